// Supporting papers: which ones an applicant must bring for a service, and the capture of each,
// from the scanner's feeder (every page in it) or page by page from the glass, each page checked
// (page_quality.hpp) and the whole paper written to its file rule (file_encoder.hpp).
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include "capture/document/file_encoder.hpp"
#include "capture/document/page_quality.hpp"
#include "capture/document/scan_prompt.hpp"
#include "config/config.hpp"
#include "drivers/scanner/scanner.hpp"

namespace kiosk::document {

struct ApplicantFacts {
  int age = 30;  // on the application date
  bool lost_passport = false;
};

// The papers of `service`'s checklist that apply to this applicant, in the checklist's order.
std::vector<config::SupportingDocument> checklist_for(const config::Service& service,
                                                      const ApplicantFacts& applicant,
                                                      int age_of_majority);

struct PaperRefusal {
  ScanPrompt prompt = ScanPrompt::kScanAgain;
  int page = 0;        // 1-based page of the scan run that failed; 0: the run as a whole
  std::string detail;  // for the technician: the measured figure, the device's error
};

// One supporting paper, from its first page to its file. Calls are made from the executor, where
// every handler runs; made with std::make_shared.
class PaperCapture : public std::enable_shared_from_this<PaperCapture> {
 public:
  // `extra_options`: further SANE options (the simulation rig's pnm file).
  PaperCapture(boost::asio::any_io_executor executor, drivers::Scanner& scanner,
               const config::ScannerSection& settings,
               std::vector<std::pair<std::string, std::string>> extra_options,
               config::SupportingDocument paper, config::FileRule rule, PageQualityLimits limits = {});
  ~PaperCapture();

  bool uses_feeder() const { return all_pages_; }

  // Scans more pages: all in the feeder, or the one on the glass. A run is kept whole or not at
  // all: a page that fails its checks refuses the run, naming the page, and the applicant scans
  // those pages again. `done` gets the number of pages kept so far.
  void scan(std::function<void(drivers::ScanProgress)> progress,
            std::function<void(std::expected<int, PaperRefusal>)> done);
  // Writes the pages kept so far into one file under the rule.
  void finish(std::function<void(std::expected<EncodedFile, PaperRefusal>)> done);
  void cancel();

  int pages() const { return static_cast<int>(pages_.size()); }
  // The last page kept (BGR or grey), for the applicant to see what was scanned; empty before one.
  const cv::Mat& last_page() const;
  const std::vector<PageQuality>& qualities() const { return qualities_; }
  const config::SupportingDocument& paper() const { return paper_; }

 private:
  boost::asio::any_io_executor executor_;
  drivers::Scanner& scanner_;
  bool all_pages_ = false;  // from the feeder: every page in it
  drivers::ScanSettings settings_;
  config::SupportingDocument paper_;
  config::FileRule rule_;
  PageQualityLimits limits_;
  std::vector<ScannedPage> pages_;
  std::vector<PageQuality> qualities_;
  boost::asio::thread_pool work_{1};  // checking and encoding pages: off the loop
};

}  // namespace kiosk::document
