// The passport data page: scan, read, rules, portrait.
#include "capture/document/data_page.hpp"

#include <cmath>

#include <boost/asio/post.hpp>
#include <opencv2/imgproc.hpp>

namespace kiosk::document {
namespace {

// Where the portrait lies, in millimetres from the zone's top-left corner as the reader gives it
// (about 4.5 mm above and left of the first character): ICAO 9303-4 puts zone V, at most
// 45 × 35 mm, above the zone's left end, its foot a few millimetres above the zone.
constexpr double kPortraitLeftMm = -1, kPortraitTopMm = -64, kPortraitWidthMm = 46,
                 kPortraitHeightMm = 64;

ScanPrompt prompt_for(ZoneProblem::Kind kind) {
  switch (kind) {
    case ZoneProblem::Kind::kBadScan: return ScanPrompt::kScannerUnavailable;
    case ZoneProblem::Kind::kNotFound: return ScanPrompt::kPlaceDataPage;
    case ZoneProblem::Kind::kAskew: return ScanPrompt::kStraightenPage;
    case ZoneProblem::Kind::kUnreadable: return ScanPrompt::kScanAgain;
    case ZoneProblem::Kind::kGlare: return ScanPrompt::kDataPageGlare;
    case ZoneProblem::Kind::kNotFlat: return ScanPrompt::kFlattenPage;
  }
  return ScanPrompt::kScanAgain;
}

}  // namespace

cv::Mat cut_portrait(const cv::Mat& page, const ZoneReading& zone) {
  if (page.empty() || zone.pitch_px <= 0) return {};
  const cv::Point2d c0(zone.corners[0]), c1(zone.corners[1]), c3(zone.corners[3]);
  const cv::Point2d along = (c1 - c0) / cv::norm(c1 - c0), down = (c3 - c0) / cv::norm(c3 - c0);
  const double px_per_mm = zone.pitch_px / 2.54;
  const cv::Point2d origin = c0 + (along * kPortraitLeftMm + down * kPortraitTopMm) * px_per_mm;
  const cv::Size size(static_cast<int>(kPortraitWidthMm * px_per_mm),
                      static_cast<int>(kPortraitHeightMm * px_per_mm));
  const cv::Point2d centre = origin + (along * size.width + down * size.height) * 0.5;
  if (!cv::Rect2d(0, 0, page.cols, page.rows).contains(centre)) return {};
  // Output pixel (u, v) comes from origin + u·along + v·down.
  const cv::Mat map = (cv::Mat_<double>(2, 3) << along.x, down.x, origin.x, along.y, down.y, origin.y);
  cv::Mat bgr = page;
  if (page.channels() == 1) cv::cvtColor(page, bgr, cv::COLOR_GRAY2BGR);
  cv::Mat out;
  cv::warpAffine(bgr, out, map, size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                 cv::Scalar(255, 255, 255));
  return out;
}

DataPageOutcome examine_data_page(const MrzReader& reader, cv::Mat scan, double dpi,
                                  const config::Service& service,
                                  std::chrono::year_month_day application_date) {
  auto reading = read_data_page(reader, scan, application_date);
  if (!reading) {
    return std::unexpected(DataPageRefusal{prompt_for(reading.error().kind), std::nullopt,
                                           reading.error().detail});
  }
  if (const auto refusal = check_travel_document(reading->fields, service, application_date)) {
    return std::unexpected(DataPageRefusal{refusal->prompt, refusal->valid_after,
                                           std::string(prompt_id(refusal->prompt))});
  }
  DataPage page;
  page.portrait = cut_portrait(scan, reading->zone);
  page.fields = std::move(reading->fields);
  page.zone = std::move(reading->zone);
  page.dpi = dpi > 0 ? dpi : page.zone.pitch_px / 2.54 * 25.4;
  page.scan = std::move(scan);
  return page;
}

DataPageCapture::DataPageCapture(boost::asio::any_io_executor executor, drivers::Scanner& scanner,
                                 const config::ScannerSection& settings,
                                 std::vector<std::pair<std::string, std::string>> extra_options,
                                 std::shared_ptr<const MrzReader> reader)
    : executor_(std::move(executor)),
      scanner_(scanner),
      scan_settings_(scan_settings(settings, settings.source, std::move(extra_options))),
      reader_(std::move(reader)) {}

DataPageCapture::~DataPageCapture() { reading_.join(); }

void DataPageCapture::capture(const config::Service& service,
                              std::chrono::year_month_day application_date,
                              std::function<void(double)> progress,
                              std::function<void(DataPageOutcome)> done) {
  auto on_progress = [progress = std::move(progress)](drivers::ScanProgress p) {
    if (progress) progress(p.fraction);
  };
  scanner_.scan(scan_settings_, std::move(on_progress),
                [self = shared_from_this(), service, application_date,
                 done = std::move(done)](drivers::Result<std::vector<drivers::Image>> pages) mutable {
    if (!pages || pages->empty()) {
      DataPageRefusal refusal{ScanPrompt::kPlaceDataPage, std::nullopt, "the scanner gave no page"};
      if (!pages) {
        // A flatbed with nothing on it, or a feeder with nothing in it: the passport goes on the glass.
        refusal.prompt = pages.error().code == drivers::ProblemCode::kNoDocuments
                             ? ScanPrompt::kPlaceDataPage
                             : document::prompt_for(pages.error());
        refusal.detail = pages.error().message();
      }
      return done(std::unexpected(std::move(refusal)));
    }
    const double dpi = pages->front().pixels_per_inch;
    cv::Mat scan = to_mat(pages->front());
    if (scan.empty()) {
      return done(std::unexpected(DataPageRefusal{ScanPrompt::kScannerUnavailable, std::nullopt,
                                                  "the scanner's page is not 8-bit grey or RGB"}));
    }
    auto* pool = &self->reading_;
    boost::asio::post(*pool, [self = std::move(self), scan = std::move(scan), dpi, service,
                              application_date, done = std::move(done)]() mutable {
      auto outcome = examine_data_page(*self->reader_, std::move(scan), dpi, service, application_date);
      auto executor = self->executor_;
      // `self` goes with the result, so the last owner never lets go on the reading thread.
      boost::asio::post(executor, [self = std::move(self), outcome = std::move(outcome),
                                   done = std::move(done)]() mutable { done(std::move(outcome)); });
    });
  });
}

void DataPageCapture::cancel() { scanner_.cancel(); }

}  // namespace kiosk::document
