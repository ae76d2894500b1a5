// The passport data page, from the scanner to fields the session can use: scan it (SANE, at the
// configured resolution and mode), read and check its machine-readable zone, apply the service's
// travel-document rules, and cut out the portrait for the face match. Anything short of that is a
// prompt for the applicant (or a technician call) and yields no fields.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <opencv2/core.hpp>

#include "capture/document/mrz_reader.hpp"
#include "capture/document/scan_image.hpp"
#include "capture/document/scan_prompt.hpp"
#include "capture/document/travel_document_rules.hpp"
#include "config/config.hpp"
#include "drivers/scanner/scanner.hpp"

namespace kiosk::document {

// The portrait of a TD3 data page, cut out straightened and the right way up from where ICAO 9303
// puts it beside the zone: the zone's corners give the page's position, angle and orientation,
// its pitch (2.54 mm) the scale. The cut is generous (about 46 × 64 mm) so that a face detector
// finds the face within it whatever the issuing state's layout. Empty if it would fall off the scan.
cv::Mat cut_portrait(const cv::Mat& page, const ZoneReading& zone);

struct DataPage {
  MrzFields fields;
  ZoneReading zone;   // skew, orientation, per-character margins: figures for the manifest
  cv::Mat portrait;   // BGR; empty when the cut fell off the scan
  cv::Mat scan;       // the page as scanned
  double dpi = 0;
};

struct DataPageRefusal {
  ScanPrompt prompt = ScanPrompt::kScanAgain;
  std::optional<std::chrono::year_month_day> valid_after;  // for kValidityTooShort
  std::string detail;  // for the technician and the log: never the document's text
};

using DataPageOutcome = std::expected<DataPage, DataPageRefusal>;

// Reads a scanned data page for `service` on `application_date`: the zone, its check digits, the
// travel-document rules, the portrait. `dpi` is what the scanner said (0: unknown).
DataPageOutcome examine_data_page(const MrzReader& reader, cv::Mat scan, double dpi,
                                  const config::Service& service,
                                  std::chrono::year_month_day application_date);

// One data-page capture at a time; handlers run on the scanner's executor. Made with
// std::make_shared (the scan's callbacks hold it).
class DataPageCapture : public std::enable_shared_from_this<DataPageCapture> {
 public:
  // `extra_options` are further SANE options (the simulation rig's pnm file, a calibration).
  DataPageCapture(boost::asio::any_io_executor executor, drivers::Scanner& scanner,
                  const config::ScannerSection& settings,
                  std::vector<std::pair<std::string, std::string>> extra_options,
                  std::shared_ptr<const MrzReader> reader);
  ~DataPageCapture();

  // Scans the page on the glass and reads it for `service` on `application_date`. `progress`
  // reports the scan (0..1); `done` gets the page or the refusal.
  void capture(const config::Service& service, std::chrono::year_month_day application_date,
               std::function<void(double)> progress, std::function<void(DataPageOutcome)> done);
  void cancel();

 private:
  boost::asio::any_io_executor executor_;
  drivers::Scanner& scanner_;
  drivers::ScanSettings scan_settings_;
  std::shared_ptr<const MrzReader> reader_;
  boost::asio::thread_pool reading_{1};  // reading a page takes about 0.1 s: off the loop
};

}  // namespace kiosk::document
