// The passport data page from the scanner through SANE: specimen pages served by the pnm backend
// are read, checked against the service's rules and give the portrait; SANE's injected errors
// (test backend) and pages that cannot be read become the prompts the applicant needs.
#include "capture/document/data_page.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sim/passport_specimen.hpp"
#include "tests/support/sane_test.hpp"
#include "tests/support/services.hpp"

namespace kiosk::document {
namespace {

using testing::renewal_service;
using testing::visa_service;

using namespace std::chrono;
using namespace std::chrono_literals;
constexpr year_month_day kToday = 2026y / November / 22d;

std::shared_ptr<const MrzReader> reader() {
  static const auto r = [] {
    auto loaded = MrzReader::load();
    if (!loaded) throw std::runtime_error(loaded.error());
    return std::make_shared<const MrzReader>(std::move(*loaded));
  }();
  return r;
}

// A portrait that shows which way up it is: red above, blue below.
cv::Mat two_colour_portrait() {
  cv::Mat p(450, 350, CV_8UC3, cv::Scalar(255, 0, 0));
  p.rowRange(0, 225).setTo(cv::Scalar(0, 0, 255));
  return p;
}

class DataPageTest : public testing::SaneTest {
 protected:
  DataPageOutcome capture(std::vector<std::pair<std::string, std::string>> options,
                          const config::Service& service, year_month_day date = kToday,
                          double* last_progress = nullptr) {
    config::ScannerSection settings;  // 300 dpi colour, as shipped
    auto page = std::make_shared<DataPageCapture>(io_.get_executor(), *scanner_, settings,
                                                  std::move(options), reader());
    std::optional<DataPageOutcome> outcome;
    page->capture(service, date, [&](double f) { if (last_progress) *last_progress = f; },
                  [&](DataPageOutcome o) { outcome = std::move(o); });
    EXPECT_TRUE(testing::run_until(io_, outcome, 60s)) << "the capture never ended";
    return outcome ? std::move(*outcome)
                   : std::unexpected(DataPageRefusal{ScanPrompt::kCancelled, {}, "test gave up"});
  }

  // Writes the specimen as the pnm backend's page and captures it.
  DataPageOutcome capture_specimen(const sim::Specimen& s, const config::Service& service,
                                   year_month_day date = kToday, double* progress = nullptr) {
    const auto file = scratch_ / "page.ppm";
    EXPECT_TRUE(cv::imwrite(file.string(), s.page));
    return capture({{"filename", file.string()}}, service, date, progress);
  }
};

TEST_F(DataPageTest, SpecimensOnTheGlassAreReadWithEveryFieldThroughSane) {
  open("pnm:0");
  int right = 0;
  std::string report;
  for (std::uint32_t seed = 700; seed < 712; ++seed) {
    sim::ScanDefects d;
    d.whole_platen = seed % 2 == 0;
    d.rotation_deg = (static_cast<int>(seed % 5) - 2) * (d.whole_platen ? 4.0 : 2.0);
    d.upside_down = seed % 3 == 0;
    d.blur_sigma = 0.8;
    d.noise_sigma = 4;
    d.jpeg_quality = 70;
    const sim::Specimen s = sim::render_td3_specimen(seed, two_colour_portrait(), d);
    double progress = 0;
    const auto page = capture_specimen(s, renewal_service(), kToday, &progress);
    if (!page) {
      report += "seed " + std::to_string(seed) + ": " + page.error().detail + "\n";
      continue;
    }
    const auto truth = parse_mrz(s.mrz, kToday);
    ASSERT_TRUE(truth);
    EXPECT_EQ(page->fields.document_number, truth->document_number) << seed;
    EXPECT_EQ(page->fields.surname, truth->surname) << seed;
    EXPECT_EQ(page->fields.given_names, truth->given_names) << seed;
    EXPECT_EQ(page->fields.date_of_birth, truth->date_of_birth) << seed;
    EXPECT_EQ(page->fields.date_of_expiry, truth->date_of_expiry) << seed;
    EXPECT_EQ(page->dpi, 300) << "the scanner's resolution is kept";
    EXPECT_EQ(progress, 1.0) << "the scan's progress reaches the end";
    ++right;
  }
  EXPECT_EQ(right, 12) << report;
}

TEST_F(DataPageTest, PortraitIsCutUprightWhereverAndHoweverThePageLies) {
  open("pnm:0");
  struct Case { double rotation; bool upside_down, whole_platen; };
  for (const Case c : {Case{0, false, false}, Case{4, true, false}, Case{-8, false, true},
                       Case{7, true, true}}) {
    sim::ScanDefects d;
    d.rotation_deg = c.rotation;
    d.upside_down = c.upside_down;
    d.whole_platen = c.whole_platen;
    const sim::Specimen s = sim::render_td3_specimen(42, two_colour_portrait(), d);
    const auto page = capture_specimen(s, renewal_service());
    ASSERT_TRUE(page) << page.error().detail;
    const cv::Mat& p = page->portrait;
    ASSERT_FALSE(p.empty());
    // Red and blue, the portrait's halves, as masks; their areas and where they lie.
    cv::Mat red, blue;
    cv::inRange(p, cv::Scalar(0, 0, 180), cv::Scalar(90, 90, 255), red);
    cv::inRange(p, cv::Scalar(180, 0, 0), cv::Scalar(255, 90, 90), blue);
    const double mm2 = std::pow(page->zone.pitch_px / 2.54, 2);
    const double portrait_mm2 = 32.0 * 42.0;  // the specimen's portrait box
    EXPECT_GT((cv::countNonZero(red) + cv::countNonZero(blue)) / mm2, 0.95 * portrait_mm2)
        << "the whole portrait is in the cut (rotation " << c.rotation << ")";
    const cv::Moments r = cv::moments(red, true), b = cv::moments(blue, true);
    ASSERT_GT(r.m00, 0);
    ASSERT_GT(b.m00, 0);
    EXPECT_LT(r.m01 / r.m00 + 10 * page->zone.pitch_px / 2.54, b.m01 / b.m00)
        << "the cut is upright: the red top half lies above the blue (rotation " << c.rotation << ")";
  }
}

TEST_F(DataPageTest, ServiceRulesRefuseAnExpiredPassportAndOneExpiringWithinSixMonths) {
  open("pnm:0");
  const sim::Specimen s = sim::render_td3_specimen(7, cv::Mat(), sim::ScanDefects{});
  const auto expiry = parse_mrz(s.mrz, kToday)->date_of_expiry;
  const auto soon = year_month_day(sys_days(expiry) - days(90));
  const auto too_short = capture_specimen(s, visa_service(), soon);
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().prompt, ScanPrompt::kValidityTooShort);
  EXPECT_EQ(too_short.error().valid_after, months_after(soon, 6));
  const auto expired = capture_specimen(s, visa_service(), year_month_day(sys_days(expiry) + days(1)));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().prompt, ScanPrompt::kDocumentExpired);
  const auto fine = capture_specimen(s, visa_service(), year_month_day(sys_days(expiry) - days(400)));
  EXPECT_TRUE(fine) << (fine ? "" : fine.error().detail);
}

TEST_F(DataPageTest, EmptyGlassAsksForThePassportAndATiltedOneToBeStraightened) {
  open("pnm:0");
  const auto empty_glass = scratch_ / "empty.ppm";
  cv::imwrite(empty_glass.string(), cv::Mat(3508, 2551, CV_8UC3, cv::Scalar(246, 246, 246)));
  const auto nothing = capture({{"filename", empty_glass.string()}}, visa_service());
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().prompt, ScanPrompt::kPlaceDataPage);

  sim::ScanDefects tilted;
  tilted.whole_platen = true;
  tilted.rotation_deg = 16;
  const auto askew = capture_specimen(sim::render_td3_specimen(3, cv::Mat(), tilted), visa_service());
  ASSERT_FALSE(askew);
  EXPECT_EQ(askew.error().prompt, ScanPrompt::kStraightenPage);
}

TEST_F(DataPageTest, GlareOverTheZoneAndAPageBentFromTheGlassAreToldWhatToChange) {
  open("pnm:0");
  // Read when the greyed characters are still sure; otherwise refused, and for the glare.
  sim::ScanDefects glare;
  glare.glare = 0.97;
  int refused = 0;
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    const auto greyed = capture_specimen(sim::render_td3_specimen(seed, cv::Mat(), glare), visa_service());
    if (greyed) continue;
    ++refused;
    EXPECT_EQ(greyed.error().prompt, ScanPrompt::kDataPageGlare) << greyed.error().detail;
    EXPECT_EQ(prompt_id(greyed.error().prompt), "scan.data_page_glare");
  }
  EXPECT_GE(refused, 3) << "of 6 pages with the zone almost erased by glare";

  sim::ScanDefects bent;
  bent.tilt_deg = 24;
  const auto shrinking = capture_specimen(sim::render_td3_specimen(5, cv::Mat(), bent), visa_service());
  ASSERT_FALSE(shrinking);
  EXPECT_EQ(shrinking.error().prompt, ScanPrompt::kFlattenPage) << shrinking.error().detail;
  EXPECT_EQ(prompt_id(shrinking.error().prompt), "scan.flatten_page");
}

TEST_F(DataPageTest, SmudgedZoneAsksForAnotherScanAndYieldsNoFields) {
  open("pnm:0");
  sim::Specimen s = sim::render_td3_specimen(11, cv::Mat(), sim::ScanDefects{});
  // A blot over the lower half of one letter of the names, which no check digit covers.
  const int pitch = s.mrz_box.width / 44;
  cv::rectangle(s.page, cv::Rect(s.mrz_box.x + 6 * pitch + pitch / 2, s.mrz_box.y + pitch, 22, 14),
                cv::Scalar(60, 60, 60), cv::FILLED);
  const auto page = capture_specimen(s, visa_service());
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().prompt, ScanPrompt::kScanAgain) << page.error().detail;
}

struct InjectedStatus {
  const char* sane_status;
  ScanPrompt prompt;
};

class DataPageScannerErrorTest : public DataPageTest,
                                 public ::testing::WithParamInterface<InjectedStatus> {};

TEST_P(DataPageScannerErrorTest, BecomesThePrompt) {
  open("test:0");
  const auto page = capture({{"read-return-value", GetParam().sane_status}}, visa_service());
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().prompt, GetParam().prompt) << page.error().detail;
}

INSTANTIATE_TEST_SUITE_P(
    SaneStatuses, DataPageScannerErrorTest,
    ::testing::Values(InjectedStatus{"SANE_STATUS_COVER_OPEN", ScanPrompt::kCloseCover},
                      InjectedStatus{"SANE_STATUS_JAMMED", ScanPrompt::kClearPaperJam},
                      InjectedStatus{"SANE_STATUS_NO_DOCS", ScanPrompt::kPlaceDataPage},
                      InjectedStatus{"SANE_STATUS_IO_ERROR", ScanPrompt::kScannerUnavailable},
                      InjectedStatus{"SANE_STATUS_NO_MEM", ScanPrompt::kScannerUnavailable}),
    [](const auto& test) { return std::string(test.param.sane_status).substr(12); });

}  // namespace
}  // namespace kiosk::document
