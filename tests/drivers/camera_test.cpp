// The camera driver on OpenCV videoio: files as the simulated camera, and sources that fail.
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "drivers/camera/camera.hpp"
#include "sim/media.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

// Frame i is a flat grey of level 20 * i, so that order and identity can be read back.
cv::Mat numbered_frame(int i) { return cv::Mat(120, 160, CV_8UC3, cv::Scalar::all(20 * i)); }

class CameraTest : public ::testing::Test {
 protected:
  Result<CameraInfo> open(const CameraSource& source) {
    std::optional<Result<CameraInfo>> opened;
    camera_->open(source, [&](auto r) { opened = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, opened));
    return opened ? std::move(*opened) : problem(ProblemCode::kTimeout, "test gave up");
  }

  // Streams until the source ends or fails; returns the frames and how it ended.
  std::pair<std::vector<Frame>, Problem> stream_to_end() {
    std::vector<Frame> frames;
    std::optional<Problem> end;
    camera_->start([&](Frame f) { frames.push_back(std::move(f)); }, [&](Problem p) { end = p; });
    EXPECT_TRUE(testing::run_until(io_, end)) << "the stream never ended";
    return {std::move(frames), end.value_or(Problem{ProblemCode::kTimeout, "test gave up"})};
  }

  static CameraSource live(config::CameraSourceKind kind, std::string location) {
    CameraSource s;
    s.kind = kind;
    s.location = std::move(location);
    return s;
  }

  // Opening `source` fails as "not found", naming what could not be found.
  void expect_not_found(const CameraSource& source, const std::string& named) {
    const auto info = open(source);
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().code, ProblemCode::kNotFound);
    EXPECT_NE(info.error().message().find(named), std::string::npos) << info.error().message();
  }

  CameraSource file(const std::filesystem::path& path, bool paced = false) {
    CameraSource s;
    s.kind = config::CameraSourceKind::kFile;
    s.location = path.string();
    s.pace_to_fps = paced;
    return s;
  }

  boost::asio::io_context io_;
  testing::ScratchDir scratch_;
  std::unique_ptr<Camera> camera_ = make_opencv_camera(io_.get_executor());
};

TEST_F(CameraTest, ReadsEveryFrameOfAFileInOrderThenReportsEndOfStream) {
  const auto video = scratch_ / "numbered.avi";
  sim::write_mjpeg_video(video, 12, 25, numbered_frame);
  const auto info = open(file(video));
  ASSERT_TRUE(info.has_value()) << info.error().message();
  EXPECT_EQ(info->width, 160);
  EXPECT_EQ(info->height, 120);
  EXPECT_EQ(info->frame_count, 12);

  const auto [frames, end] = stream_to_end();
  EXPECT_EQ(end.code, ProblemCode::kEndOfStream);
  ASSERT_EQ(frames.size(), 12u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Image& img = frames[i].image;
    ASSERT_EQ(img.channels, 3);
    EXPECT_EQ(frames[i].sequence, i);
    // JPEG keeps a flat grey within a level or two.
    EXPECT_NEAR(img.pixels[img.pixels.size() / 2], 20.0 * i, 3) << "frame " << i;
    if (i > 0) {
      EXPECT_GE(frames[i].captured_at, frames[i - 1].captured_at);
      EXPECT_GT(frames[i].stream_ms, frames[i - 1].stream_ms);
    }
  }
}

TEST_F(CameraTest, PacedFileDeliversAtItsFrameRate) {
  const auto video = scratch_ / "paced.avi";
  sim::write_mjpeg_video(video, 6, 20, numbered_frame);  // 50 ms apart
  ASSERT_TRUE(open(file(video, /*paced=*/true)).has_value());
  const auto [frames, end] = stream_to_end();
  EXPECT_EQ(end.code, ProblemCode::kEndOfStream);
  ASSERT_EQ(frames.size(), 6u);
  // Functional, not a benchmark: an unpaced read of six tiny frames takes a few milliseconds;
  // paced, five intervals of 50 ms must separate the first and last frame.
  EXPECT_GE(frames.back().captured_at - frames.front().captured_at, 5 * 45ms);
}

TEST_F(CameraTest, StopEndsStreamingAsCancelled) {
  const auto video = scratch_ / "long.avi";
  sim::write_mjpeg_video(video, 300, 30, numbered_frame);
  ASSERT_TRUE(open(file(video, /*paced=*/true)).has_value());
  int frames = 0;
  std::optional<Problem> end;
  camera_->start([&](Frame) {
    if (++frames == 2) camera_->stop();
  }, [&](Problem p) { end = p; });
  ASSERT_TRUE(testing::run_until(io_, end));
  EXPECT_EQ(end->code, ProblemCode::kCancelled);
  EXPECT_LT(frames, 300);
}

TEST_F(CameraTest, MissingFileIsNotFoundAndNamesIt) {
  const auto missing = scratch_ / "no-such-video.avi";
  const auto info = open(file(missing));
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ProblemCode::kNotFound);
  EXPECT_NE(info.error().message().find(missing.string()), std::string::npos);
}

TEST_F(CameraTest, MissingV4l2DeviceIsAClearError) {
  expect_not_found(live(config::CameraSourceKind::kV4l2, "/dev/video-kiosk-absent"),
                   "/dev/video-kiosk-absent");
}

TEST_F(CameraTest, FileThatIsNoVideoIsUnsupported) {
  const auto junk = scratch_ / "notes.avi";
  std::ofstream(junk) << "this is not a video";
  const auto info = open(file(junk));
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ProblemCode::kUnsupported) << info.error().message();
}

// A live source that stops delivering (an unplugged webcam) is told apart from a file's end: a
// GStreamer test source that ends after eight frames plays the camera.
TEST_F(CameraTest, LiveSourceThatStopsDeliveringIsReportedRemoved) {
  const auto info = open(live(config::CameraSourceKind::kGstreamer,
                              "videotestsrc num-buffers=8 ! "
                              "video/x-raw,width=160,height=120,framerate=30/1 ! "
                              "videoconvert ! video/x-raw,format=BGR ! appsink"));
  ASSERT_TRUE(info.has_value()) << info.error().message();
  EXPECT_EQ(info->backend, "GSTREAMER");
  const auto [frames, end] = stream_to_end();
  EXPECT_EQ(end.code, ProblemCode::kRemoved) << end.message();
  EXPECT_TRUE(end.is_error());
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.front().image.width, 160);
}

TEST_F(CameraTest, BrokenPipelineIsAClearError) {
  expect_not_found(live(config::CameraSourceKind::kGstreamer, "nosuchelement ! appsink"),
                   "nosuchelement");
}

TEST_F(CameraTest, StartBeforeOpenIsAnError) {
  std::optional<Problem> end;
  camera_->start([](Frame) {}, [&](Problem p) { end = p; });
  ASSERT_TRUE(testing::run_until(io_, end));
  EXPECT_EQ(end->code, ProblemCode::kNotOpen);
}

}  // namespace
}  // namespace kiosk::drivers
