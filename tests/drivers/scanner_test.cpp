// The scanner driver against SANE's own pnm and test backends.
#include <set>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "drivers/scanner/scanner.hpp"
#include "sim/media.hpp"
#include "tests/support/sane_test.hpp"

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

class ScannerTest : public testing::SaneTest {
 protected:
  Result<std::vector<Image>> scan(const ScanSettings& settings,
                                  std::function<void(ScanProgress)> progress = nullptr) {
    std::optional<Result<std::vector<Image>>> result;
    scanner_->scan(settings, std::move(progress), [&](auto r) { result = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, result, 30s)) << "the scan never ended";
    return result ? std::move(*result) : problem(ProblemCode::kTimeout, "test gave up");
  }

  // Scans `file` through the pnm backend, as the simulated scanner does.
  Result<std::vector<Image>> scan_through_pnm(const std::filesystem::path& file) {
    open("pnm:0");
    ScanSettings s;
    s.options = {{"filename", file.string()}};
    return scan(s);
  }

  // A small, fast page from the test backend.
  static ScanSettings test_backend_page() {
    ScanSettings s;
    s.resolution_dpi = 75;
    s.mode = "Gray";
    s.area = ScanArea{0, 0, 20, 20};
    return s;
  }
};

TEST_F(ScannerTest, ListsTheVirtualBackends) {
  std::optional<Result<std::vector<ScannerInfo>>> listed;
  scanner_->list_devices([&](auto r) { listed = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, listed));
  ASSERT_TRUE(listed->has_value());
  std::vector<std::string> names;
  for (const auto& d : **listed) names.push_back(d.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "pnm:0"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "test:0"), names.end());
}

TEST_F(ScannerTest, PnmColourPageHasTheFedImagesSizeAndContent) {
  const cv::Mat bgr = sim::render_test_page(640, 452, 7);
  const auto file = scratch_ / "page.ppm";
  ASSERT_TRUE(cv::imwrite(file.string(), bgr));
  const auto pages = scan_through_pnm(file);
  ASSERT_TRUE(pages.has_value()) << pages.error().message();
  ASSERT_EQ(pages->size(), 1u);
  const Image& page = pages->front();
  EXPECT_EQ(page.width, bgr.cols);
  EXPECT_EQ(page.height, bgr.rows);
  ASSERT_EQ(page.channels, 3);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  EXPECT_TRUE(page.pixels == std::vector<std::uint8_t>(rgb.datastart, rgb.dataend));
  EXPECT_EQ(page.pixels_per_inch, 300) << "the resolution asked for, as pnm reports it";
}

TEST_F(ScannerTest, PnmGreyPageComesBackGrey) {
  cv::Mat grey(120, 200, CV_8UC1);
  cv::randu(grey, 0, 256);
  const auto file = scratch_ / "page.pgm";
  ASSERT_TRUE(cv::imwrite(file.string(), grey));
  const auto pages = scan_through_pnm(file);
  ASSERT_TRUE(pages.has_value()) << pages.error().message();
  EXPECT_EQ(pages->front().channels, 1);
  EXPECT_TRUE(pages->front().pixels == std::vector<std::uint8_t>(grey.datastart, grey.dataend));
}

TEST_F(ScannerTest, PnmMissingFileIsAClearError) {
  const auto pages = scan_through_pnm(scratch_ / "no-such-page.ppm");
  ASSERT_FALSE(pages.has_value());
  EXPECT_TRUE(pages.error().is_error());
  EXPECT_NE(pages.error().message().find("page 1"), std::string::npos) << pages.error().message();
}

TEST_F(ScannerTest, AreaAndResolutionShapeThePage) {
  open("test:0");
  const auto pages = scan(test_backend_page());
  ASSERT_TRUE(pages.has_value()) << pages.error().message();
  // 20 mm at 75 dpi is 59 pixels.
  EXPECT_NEAR(pages->front().width, 59, 1);
  EXPECT_NEAR(pages->front().height, 59, 1);
}

TEST_F(ScannerTest, AdfRunOfTheTestBackendYieldsTenPages) {
  open("test:0");
  ScanSettings s = test_backend_page();
  s.source = "Automatic Document Feeder";
  s.all_pages = true;
  std::set<int> pages_in_progress;
  const auto pages = scan(s, [&](ScanProgress p) { pages_in_progress.insert(p.page); });
  ASSERT_TRUE(pages.has_value()) << pages.error().message();
  EXPECT_EQ(pages->size(), 10u);  // the test backend's feeder holds ten sheets
  EXPECT_EQ(pages_in_progress.size(), 10u) << "progress is reported for every page";
}

TEST_F(ScannerTest, EmptyFeederBeforeTheFirstPageIsNoDocuments) {
  open("test:0");
  ScanSettings s = test_backend_page();
  s.source = "Automatic Document Feeder";
  for (int sheet = 1; sheet <= 10; ++sheet) {
    const auto one = scan(s);
    ASSERT_TRUE(one.has_value()) << "sheet " << sheet << ": " << one.error().message();
    EXPECT_EQ(one->size(), 1u);
    s.source.clear();  // stay on the feeder; selecting it again refills the test backend's
  }
  const auto empty = scan(s);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ProblemCode::kNoDocuments) << empty.error().message();
}

struct StatusCase {
  const char* sane_status;
  ProblemCode expected;
};

class ScannerStatusTest : public ScannerTest, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(ScannerStatusTest, InjectedStatusSurfacesAsTheMatchingError) {
  open("test:0");
  ScanSettings s = test_backend_page();
  s.options = {{"read-return-value", GetParam().sane_status}};
  const auto pages = scan(s);
  ASSERT_FALSE(pages.has_value());
  EXPECT_EQ(pages.error().code, GetParam().expected) << pages.error().message();
  EXPECT_TRUE(pages.error().is_error());
}

INSTANTIATE_TEST_SUITE_P(
    EverySaneStatus, ScannerStatusTest,
    ::testing::Values(StatusCase{"SANE_STATUS_JAMMED", ProblemCode::kJammed},
                      StatusCase{"SANE_STATUS_NO_DOCS", ProblemCode::kNoDocuments},
                      StatusCase{"SANE_STATUS_COVER_OPEN", ProblemCode::kCoverOpen},
                      StatusCase{"SANE_STATUS_IO_ERROR", ProblemCode::kIo},
                      StatusCase{"SANE_STATUS_DEVICE_BUSY", ProblemCode::kBusy},
                      StatusCase{"SANE_STATUS_NO_MEM", ProblemCode::kNoMemory},
                      StatusCase{"SANE_STATUS_ACCESS_DENIED", ProblemCode::kAccessDenied},
                      StatusCase{"SANE_STATUS_INVAL", ProblemCode::kInvalid},
                      StatusCase{"SANE_STATUS_UNSUPPORTED", ProblemCode::kUnsupported}),
    [](const auto& test) { return std::string(test.param.sane_status).substr(12); });

TEST_F(ScannerTest, CancelDuringASlowScanEndsIt) {
  open("test:0");
  ScanSettings s = test_backend_page();
  s.area = ScanArea{0, 0, 200, 200};
  s.options = {{"read-limit", "yes"}, {"read-limit-size", "64"},
               {"read-delay", "yes"}, {"read-delay-duration", "200000"}};
  bool cancelled = false;
  const auto pages = scan(s, [&](ScanProgress) {
    if (!cancelled) scanner_->cancel();
    cancelled = true;
  });
  ASSERT_FALSE(pages.has_value());
  EXPECT_EQ(pages.error().code, ProblemCode::kCancelled) << pages.error().message();
}

TEST_F(ScannerTest, ScanPastItsDeadlineIsATimeout) {
  open("test:0");
  ScanSettings s = test_backend_page();
  s.area = ScanArea{0, 0, 200, 200};
  s.options = {{"read-limit", "yes"}, {"read-limit-size", "64"},
               {"read-delay", "yes"}, {"read-delay-duration", "200000"}};
  s.deadline = 500ms;
  const auto pages = scan(s);
  ASSERT_FALSE(pages.has_value());
  EXPECT_EQ(pages.error().code, ProblemCode::kTimeout) << pages.error().message();
}

TEST_F(ScannerTest, UnknownOptionIsNamed) {
  open("test:0");
  ScanSettings s = test_backend_page();
  s.options = {{"lamp-colour", "blue"}};
  const auto pages = scan(s);
  ASSERT_FALSE(pages.has_value());
  EXPECT_EQ(pages.error().code, ProblemCode::kUnsupported);
  EXPECT_NE(pages.error().message().find("lamp-colour"), std::string::npos);
}

TEST_F(ScannerTest, UnknownDeviceIsNotFound) {
  std::optional<Result<ScannerInfo>> opened;
  scanner_->open("epson2:libusb:009:009", [&](auto r) { opened = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, opened));
  ASSERT_FALSE(opened->has_value());
  EXPECT_EQ(opened->error().code, ProblemCode::kNotFound);
}

TEST_F(ScannerTest, ScanBeforeOpenIsAnError) {
  const auto pages = scan(test_backend_page());
  ASSERT_FALSE(pages.has_value());
  EXPECT_EQ(pages.error().code, ProblemCode::kNotOpen);
}

TEST_F(ScannerTest, SecondRequestWhileScanningIsBusy) {
  open("test:0");
  ScanSettings slow = test_backend_page();
  slow.options = {{"read-delay", "yes"}, {"read-delay-duration", "100000"}};
  std::optional<Result<std::vector<Image>>> first, second;
  scanner_->scan(slow, nullptr, [&](auto r) { first = std::move(r); });
  scanner_->scan(slow, nullptr, [&](auto r) { second = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, second));
  ASSERT_FALSE(second->has_value());
  EXPECT_EQ(second->error().code, ProblemCode::kBusy);
  ASSERT_TRUE(testing::run_until(io_, first));
  EXPECT_TRUE(first->has_value()) << "the first scan goes on undisturbed";
}

}  // namespace
}  // namespace kiosk::drivers
