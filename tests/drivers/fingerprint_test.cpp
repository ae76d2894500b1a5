// The fingerprint driver against libfprint's own virtual_image reader, fed through its socket.
#include <cstdlib>

#include <gtest/gtest.h>

#include "drivers/fingerprint/fingerprint_reader.hpp"
#include "sim/finger_feeder.hpp"
#include "sim/fingerprint_synth.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

class FingerprintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Read by libfprint when its context enumerates, i.e. after the reader is made.
    setenv("FP_VIRTUAL_IMAGE", socket_.c_str(), 1);
    setenv("FP_DRIVERS_WHITELIST", "virtual_image", 1);
    reader_ = make_libfprint_reader(io_.get_executor());
    reader_->on_event([this](FingerEvent e) {
      events_.push_back(e);
      if (e == FingerEvent::kPlaceFinger && on_place_finger_) on_place_finger_();
    });
  }

  void open() {
    std::optional<Result<FingerprintDeviceInfo>> opened;
    reader_->open("", [&](auto r) { opened = std::move(r); });
    ASSERT_TRUE(testing::run_until(io_, opened));
    ASSERT_TRUE(opened->has_value()) << opened->error().message();
    EXPECT_EQ((*opened)->driver, "virtual_image");
    std::optional<boost::system::error_code> connected;
    feeder_.connect(5s, [&](auto ec) { connected = ec; });
    ASSERT_TRUE(testing::run_until(io_, connected));
    ASSERT_FALSE(*connected) << connected->message();
  }

  Result<Image> capture(std::chrono::milliseconds deadline = 10s) {
    std::optional<Result<Image>> result;
    reader_->capture(deadline, [&](auto r) { result = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, result, deadline + 5s)) << "the capture never ended";
    return result ? std::move(*result) : problem(ProblemCode::kTimeout, "test gave up");
  }

  Result<FingerCapture> identify(std::vector<FingerTemplatePtr> gallery) {
    std::optional<Result<FingerCapture>> result;
    reader_->identify(std::move(gallery), 10s, [&](auto r) { result = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, result, 15s)) << "identify never ended";
    return result ? std::move(*result) : problem(ProblemCode::kTimeout, "test gave up");
  }

  // Feeds `finger` whenever the reader asks for one.
  void feed(const cv::Mat& finger) {
    on_place_finger_ = [this, finger] {
      feeder_.send_image(finger.cols, finger.rows,
                         std::vector<std::uint8_t>(finger.datastart, finger.dataend), [](auto) {});
    };
  }

  static cv::Mat print(std::uint32_t seed = 42) {
    sim::FingerprintSpec spec;
    spec.seed = seed;
    spec.pattern = sim::pattern_for_finger(1, seed);
    return sim::synthesize_fingerprint(spec);
  }

  boost::asio::io_context io_;
  testing::ScratchDir scratch_;
  std::filesystem::path socket_ = scratch_ / "fp.sock";
  std::unique_ptr<FingerprintReader> reader_;
  sim::FingerFeeder feeder_{io_.get_executor(), socket_};
  std::function<void()> on_place_finger_;
  std::vector<FingerEvent> events_;
};

TEST_F(FingerprintTest, ListsTheVirtualReader) {
  std::optional<Result<std::vector<FingerprintDeviceInfo>>> listed;
  reader_->list_devices([&](auto r) { listed = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, listed));
  ASSERT_TRUE(listed->has_value());
  ASSERT_EQ((*listed)->size(), 1u);
  EXPECT_EQ((*listed)->front().driver, "virtual_image");
}

TEST_F(FingerprintTest, CapturedImageEqualsFedImagePixelForPixel) {
  open();
  const cv::Mat fed = print();
  on_place_finger_ = [&] {
    feeder_.send_image(fed.cols, fed.rows, std::vector<std::uint8_t>(fed.datastart, fed.dataend),
                       [](auto) {});
  };
  const Result<Image> image = capture();
  ASSERT_TRUE(image.has_value()) << image.error().message();
  EXPECT_EQ(image->width, fed.cols);
  EXPECT_EQ(image->height, fed.rows);
  EXPECT_EQ(image->channels, 1);
  EXPECT_TRUE(image->pixels == std::vector<std::uint8_t>(fed.datastart, fed.dataend));
  EXPECT_EQ(events_.front(), FingerEvent::kPlaceFinger);
}

TEST_F(FingerprintTest, TwoCapturesInARowEachGetTheirOwnFinger) {
  open();
  cv::Mat fed = print();
  on_place_finger_ = [&] {
    feeder_.send_image(fed.cols, fed.rows, std::vector<std::uint8_t>(fed.datastart, fed.dataend),
                       [](auto) {});
  };
  ASSERT_TRUE(capture().has_value());
  fed = 255 - fed;  // a different image the second time
  const Result<Image> second = capture();
  ASSERT_TRUE(second.has_value()) << second.error().message();
  EXPECT_TRUE(second->pixels == std::vector<std::uint8_t>(fed.datastart, fed.dataend));
}

TEST_F(FingerprintTest, IdentifyFindsTheSameFingerGivenTwiceAndNotADifferentOne) {
  open();
  feed(print(1));
  const Result<FingerCapture> first = identify({});
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_FALSE(first->matched);
  EXPECT_EQ(first->image.width, print(1).cols);
  EXPECT_GT(first->minutiae.size(), 10u);
  ASSERT_TRUE(first->print);

  feed(print(2));
  const Result<FingerCapture> other = identify({first->print});
  ASSERT_TRUE(other.has_value()) << other.error().message();
  EXPECT_FALSE(other->matched) << "a different finger matched";

  feed(print(1));
  const Result<FingerCapture> again = identify({other->print, first->print});
  ASSERT_TRUE(again.has_value()) << again.error().message();
  ASSERT_TRUE(again->matched) << "the same finger given twice was not caught";
  EXPECT_EQ(*again->matched, 1u);
}

TEST_F(FingerprintTest, IdentifyOfABlankPlatenIsARetry) {
  open();
  feed(cv::Mat(400, 300, CV_8U, cv::Scalar(255)));
  const Result<FingerCapture> result = identify({});
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().is_retry()) << result.error().message();
}

TEST(FingerprintMinutiae, DetectorFindsMinutiaeInAPrintAndNoneOnABlankImage) {
  const auto to_image = [](const cv::Mat& m) {
    return Image{m.cols, m.rows, 1, 500, std::vector<std::uint8_t>(m.datastart, m.dataend)};
  };
  sim::FingerprintSpec spec;
  const Result<std::vector<Minutia>> found =
      detect_minutiae(to_image(sim::synthesize_fingerprint(spec)));
  ASSERT_TRUE(found.has_value()) << found.error().message();
  EXPECT_GT(found->size(), 10u);
  for (const Minutia& m : *found) {
    EXPECT_TRUE(m.x >= 0 && m.x < spec.width && m.y >= 0 && m.y < spec.height);
  }
  const Result<std::vector<Minutia>> blank =
      detect_minutiae(to_image(cv::Mat(400, 300, CV_8U, cv::Scalar(255))));
  ASSERT_TRUE(blank.has_value());
  EXPECT_TRUE(blank->empty());
  Image colour{2, 2, 3, 500, std::vector<std::uint8_t>(12)};
  EXPECT_FALSE(detect_minutiae(colour).has_value());
}

struct RetryCase {
  int code;
  ProblemCode expected;
};

class FingerprintRetryTest : public FingerprintTest,
                             public ::testing::WithParamInterface<RetryCase> {};

TEST_P(FingerprintRetryTest, RetryCommandSurfacesAsRetryNotError) {
  open();
  on_place_finger_ = [&] { feeder_.send_retry(GetParam().code, [](auto) {}); };
  const Result<Image> image = capture();
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, GetParam().expected) << image.error().message();
  EXPECT_TRUE(image.error().is_retry());
}

INSTANTIATE_TEST_SUITE_P(AllRetryCodes, FingerprintRetryTest,
                         ::testing::Values(RetryCase{0, ProblemCode::kRetry},
                                           RetryCase{1, ProblemCode::kFingerTooShort},
                                           RetryCase{2, ProblemCode::kCenterFinger},
                                           RetryCase{3, ProblemCode::kRemoveFinger}),
                         [](const auto& test) { return "code" + std::to_string(test.param.code); });

TEST_F(FingerprintTest, ReaderStaysUsableAfterARetry) {
  open();
  const cv::Mat fed = print();
  int touches = 0;
  on_place_finger_ = [&] {
    if (touches++ == 0) {
      feeder_.send_retry(2, [](auto) {});
    } else {
      feeder_.send_image(fed.cols, fed.rows,
                         std::vector<std::uint8_t>(fed.datastart, fed.dataend), [](auto) {});
    }
  };
  ASSERT_FALSE(capture().has_value());
  const Result<Image> again = capture();
  EXPECT_TRUE(again.has_value()) << again.error().message();
}

// libfprint 1.94.5 runs its minutiae detector on every captured image: an empty platen (no
// ridges) is a retry the applicant can fix, not an image and not a device error.
TEST_F(FingerprintTest, BlankPlatenIsARetry) {
  open();
  const std::vector<std::uint8_t> blank(300 * 400, 235);
  on_place_finger_ = [&] { feeder_.send_image(300, 400, blank, [](auto) {}); };
  const Result<Image> image = capture();
  ASSERT_FALSE(image.has_value());
  EXPECT_TRUE(image.error().is_retry()) << image.error().message();
}

TEST_F(FingerprintTest, DeviceErrorCommandSurfacesAsError) {
  open();
  on_place_finger_ = [&] { feeder_.send_error(5, [](auto) {}); };  // FP_DEVICE_ERROR_PROTO
  const Result<Image> image = capture();
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, ProblemCode::kProtocol) << image.error().message();
  EXPECT_TRUE(image.error().is_error());
}

TEST_F(FingerprintTest, RemovalCommandSurfacesAsRemovedDevice) {
  open();
  on_place_finger_ = [&] { feeder_.send_removed([](auto) {}); };
  const Result<Image> image = capture();
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, ProblemCode::kRemoved) << image.error().message();
  EXPECT_TRUE(image.error().is_error());
  EXPECT_NE(std::find(events_.begin(), events_.end(), FingerEvent::kDeviceRemoved), events_.end());
  // Later requests say so at once instead of waiting for a finger.
  const Result<Image> after = capture();
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code, ProblemCode::kRemoved);
}

// The reader that comes back after an unplug (libfprint forgets a removed device; the kiosk looks
// for readers afresh) is opened again and captures.
TEST_F(FingerprintTest, ReaderThatComesBackAfterAnUnplugIsOpenedAgain) {
  open();
  on_place_finger_ = [&] { feeder_.send_removed([](auto) {}); };
  ASSERT_EQ(capture().error().code, ProblemCode::kRemoved);
  std::optional<Result<void>> closed;
  reader_->close([&](auto r) { closed = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, closed));
  EXPECT_TRUE(closed->has_value()) << closed->error().message();
  open();
  feed(print());
  const Result<Image> image = capture();
  ASSERT_TRUE(image.has_value()) << image.error().message();
}

TEST_F(FingerprintTest, CancelWhileWaitingForFingerEndsTheCapture) {
  open();
  on_place_finger_ = [&] { reader_->cancel(); };
  // With a 60 s deadline, only the cancel can end this capture within run_until's limit.
  std::optional<Result<Image>> result;
  reader_->capture(60s, [&](auto r) { result = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, result, 5s)) << "cancel did not end the capture";
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ProblemCode::kCancelled);
}

TEST_F(FingerprintTest, NoFingerWithinDeadlineIsATimeout) {
  open();
  const Result<Image> image = capture(300ms);
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, ProblemCode::kTimeout) << image.error().message();
}

TEST_F(FingerprintTest, SecondRequestWhileCapturingIsBusy) {
  open();
  std::optional<Result<Image>> first, second;
  reader_->capture(10s, [&](auto r) { first = std::move(r); });
  reader_->capture(10s, [&](auto r) { second = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, second));
  ASSERT_FALSE(second->has_value());
  EXPECT_EQ(second->error().code, ProblemCode::kBusy);
  EXPECT_FALSE(first.has_value()) << "the first capture must still be waiting";
  reader_->cancel();
  ASSERT_TRUE(testing::run_until(io_, first));
}

TEST_F(FingerprintTest, CloseThenCaptureIsNotOpenAndReopenWorks) {
  open();
  std::optional<Result<void>> closed;
  reader_->close([&](auto r) { closed = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, closed));
  EXPECT_TRUE(closed->has_value()) << closed->error().message();
  const Result<Image> image = capture(1s);
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, ProblemCode::kNotOpen);
  std::optional<Result<FingerprintDeviceInfo>> reopened;
  reader_->open("", [&](auto r) { reopened = std::move(r); });
  ASSERT_TRUE(testing::run_until(io_, reopened));
  EXPECT_TRUE(reopened->has_value()) << reopened->error().message();
}

TEST_F(FingerprintTest, CaptureBeforeOpenIsAnError) {
  const Result<Image> image = capture(1s);
  ASSERT_FALSE(image.has_value());
  EXPECT_EQ(image.error().code, ProblemCode::kNotOpen);
}

TEST(FingerprintNoDevice, OpenWithoutAnyReaderIsNotFound) {
  unsetenv("FP_VIRTUAL_IMAGE");
  setenv("FP_DRIVERS_WHITELIST", "virtual_image", 1);
  boost::asio::io_context io;
  auto reader = make_libfprint_reader(io.get_executor());
  std::optional<Result<FingerprintDeviceInfo>> opened;
  reader->open("", [&](auto r) { opened = std::move(r); });
  ASSERT_TRUE(testing::run_until(io, opened));
  ASSERT_FALSE(opened->has_value());
  EXPECT_EQ(opened->error().code, ProblemCode::kNotFound);
}

}  // namespace
}  // namespace kiosk::drivers
