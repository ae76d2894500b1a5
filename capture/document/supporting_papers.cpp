// Supporting papers: the applicant's checklist, and each paper scanned, checked and encoded.
#include "capture/document/supporting_papers.hpp"

#include <cmath>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "capture/document/scan_image.hpp"

namespace kiosk::document {
namespace {

// A page turned less than this is left as it is.
constexpr double kStraightenFromDeg = 0.5;

std::string figures(const PageQuality& q) {
  return fmt::format("ink {:.4f}, edge ink {:.3f}, skew {:.1f}°, glare {:.4f}, edge width {:.2f} mm",
                     q.ink_share, q.edge_ink_share, q.skew_deg, q.glare_share, q.edge_width_mm);
}

}  // namespace

std::vector<config::SupportingDocument> checklist_for(const config::Service& service,
                                                      const ApplicantFacts& applicant,
                                                      int age_of_majority) {
  std::vector<config::SupportingDocument> papers;
  for (const auto& paper : service.checklist) {
    const bool applies = paper.when == config::DocumentCondition::kAlways ||
                         (paper.when == config::DocumentCondition::kMinor && applicant.age < age_of_majority) ||
                         (paper.when == config::DocumentCondition::kLostPassport && applicant.lost_passport);
    if (applies) papers.push_back(paper);
  }
  return papers;
}

PaperCapture::PaperCapture(boost::asio::any_io_executor executor, drivers::Scanner& scanner,
                           const config::ScannerSection& settings,
                           std::vector<std::pair<std::string, std::string>> extra_options,
                           config::SupportingDocument paper, config::FileRule rule,
                           PageQualityLimits limits)
    : executor_(std::move(executor)),
      scanner_(scanner),
      all_pages_(!settings.feeder_source.empty()),
      settings_(scan_settings(settings, all_pages_ ? settings.feeder_source : settings.source,
                              std::move(extra_options))),
      paper_(std::move(paper)),
      rule_(std::move(rule)),
      limits_(limits) {
  settings_.all_pages = all_pages_;
}

PaperCapture::~PaperCapture() { work_.join(); }

void PaperCapture::scan(std::function<void(drivers::ScanProgress)> progress,
                        std::function<void(std::expected<int, PaperRefusal>)> done) {
  if (pages() >= paper_.max_pages) {
    boost::asio::post(executor_, [done = std::move(done), max = paper_.max_pages] {
      done(std::unexpected(PaperRefusal{ScanPrompt::kTooManyPages, 0,
                                        fmt::format("the paper may have {} pages", max)}));
    });
    return;
  }
  scanner_.scan(settings_, std::move(progress),
                [self = shared_from_this(), done = std::move(done)](
                    drivers::Result<std::vector<drivers::Image>> scanned) mutable {
    if (!scanned) {
      return done(std::unexpected(PaperRefusal{prompt_for(scanned.error()), 0, scanned.error().message()}));
    }
    auto* work = &self->work_;
    boost::asio::post(*work, [self = std::move(self), scanned = std::move(*scanned),
                              done = std::move(done)]() mutable {
      // Off the loop: every page checked, and straightened where it lies a little askew.
      std::vector<ScannedPage> run;
      std::vector<PageQuality> qualities;
      std::optional<PaperRefusal> refusal;
      for (std::size_t i = 0; i < scanned.size() && !refusal; ++i) {
        const double dpi = scanned[i].pixels_per_inch > 0 ? scanned[i].pixels_per_inch
                                                          : self->settings_.resolution_dpi;
        cv::Mat page = to_mat(scanned[i]);
        if (page.empty()) {
          refusal = PaperRefusal{ScanPrompt::kScannerUnavailable, static_cast<int>(i + 1),
                                 "the scanner's page is not 8-bit grey or RGB"};
          break;
        }
        const PageQuality q = assess_page(page, dpi, self->limits_);
        if (const auto prompt = q.prompt()) {
          refusal = PaperRefusal{*prompt, static_cast<int>(i + 1), figures(q)};
          break;
        }
        if (std::abs(q.skew_deg) >= kStraightenFromDeg) page = straighten(page, q.skew_deg);
        run.push_back({std::move(page), dpi});
        qualities.push_back(q);
      }
      auto executor = self->executor_;
      boost::asio::post(executor, [self = std::move(self), run = std::move(run),
                                   qualities = std::move(qualities), refusal = std::move(refusal),
                                   done = std::move(done)]() mutable {
        if (refusal) return done(std::unexpected(std::move(*refusal)));
        if (self->pages() + static_cast<int>(run.size()) > self->paper_.max_pages) {
          return done(std::unexpected(PaperRefusal{
              ScanPrompt::kTooManyPages, 0,
              fmt::format("{} pages scanned; the paper may have {}", self->pages() + run.size(),
                          self->paper_.max_pages)}));
        }
        for (auto& page : run) self->pages_.push_back(std::move(page));
        for (auto& q : qualities) self->qualities_.push_back(q);
        done(self->pages());
      });
    });
  });
}

void PaperCapture::finish(std::function<void(std::expected<EncodedFile, PaperRefusal>)> done) {
  auto* work = &work_;
  boost::asio::post(*work, [self = shared_from_this(), pages = pages_, done = std::move(done)]() mutable {
    std::expected<EncodedFile, PaperRefusal> outcome =
        std::unexpected(PaperRefusal{ScanPrompt::kScanAgain, 0, "no page has been scanned"});
    if (!pages.empty()) {
      auto file = encode_document(pages, self->rule_);
      if (file) {
        outcome = std::move(*file);
      } else {
        outcome = std::unexpected(PaperRefusal{ScanPrompt::kFileRuleNotMet, 0, file.error()});
      }
    }
    auto executor = self->executor_;
    boost::asio::post(executor, [self = std::move(self), outcome = std::move(outcome),
                                 done = std::move(done)]() mutable { done(std::move(outcome)); });
  });
}

const cv::Mat& PaperCapture::last_page() const {
  static const cv::Mat kNone;
  return pages_.empty() ? kNone : pages_.back().image;
}

void PaperCapture::cancel() { scanner_.cancel(); }

}  // namespace kiosk::document
