// Auto-capture through the real camera driver (OpenCV videoio playing a Motion-JPEG file, as the
// simulated camera does): an applicant steps up to the kiosk (no one, too far, off to one side,
// moving, then still), and the photo is taken from a frame that passes every rule.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "capture/face/photo_capture.hpp"
#include "config/config.hpp"
#include "drivers/camera/camera.hpp"
#include "sim/face_specimen.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::face {
namespace {

const std::filesystem::path kSource = KIOSK_SOURCE_DIR;
constexpr double kFps = 10;

class PhotoCaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new config::ServiceCatalogue(config::load_service_catalogue(kSource / "config/defaults/services.json"));
    const auto known = sim::known_portraits(kSource / "var/public-data").at(1);
    person_ = new sim::PersonCutout(sim::cut_out(known));
    dir_ = new testing::ScratchDir();
    session_ = new sim::PhotoSession(sim::photo_session({1280, 720}, kFps, 6));
    sim::write_photo_session_video(*person_, *session_, *dir_ / "session.avi", kFps);
    // The same applicant who never stands still long enough: the first 3.5 seconds only.
    sim::PhotoSession restless = *session_;
    restless.frames.resize(session_->settled);
    sim::write_photo_session_video(*person_, restless, *dir_ / "restless.avi", kFps);
  }
  static void TearDownTestSuite() {
    delete session_;
    delete dir_;
    delete person_;
    delete catalogue_;
  }

  const config::PhotoSpec& spec() { return *catalogue_->photo_spec("china-visa"); }

  // Opens the camera on `video` and runs a capture to its end; `stop_after` > 0 stops it after
  // that many analysed frames.
  CaptureOutcome capture(const std::string& video, bool paced, int stop_after = 0) {
    drivers::CameraSource source;
    source.kind = config::CameraSourceKind::kFile;
    source.location = (*dir_ / video).string();
    source.pace_to_fps = paced;
    std::optional<drivers::Result<drivers::CameraInfo>> opened;
    camera_->open(source, [&](auto r) { opened = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, opened));
    EXPECT_TRUE(opened && opened->has_value());
    auto detector = FaceDetector::load(config::FaceSection{});
    EXPECT_TRUE(detector) << detector.error();
    auto capture = std::make_shared<PhotoCapture>(io_.get_executor(), *camera_, std::move(*detector), 5);
    std::optional<CaptureOutcome> outcome;
    capture->start(
        spec(),
        [&](const CaptureProgress& p) {
          EXPECT_FALSE(outcome.has_value()) << "progress after the end";
          progress_.push_back(p);
          if (stop_after > 0 && static_cast<int>(progress_.size()) == stop_after) capture->stop();
        },
        [&](CaptureOutcome o) { outcome = std::move(o); });
    EXPECT_TRUE(testing::run_until(io_, outcome, std::chrono::seconds(30)));
    std::optional<drivers::Result<void>> closed;
    camera_->close([&](auto r) { closed = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, closed));
    if (!outcome) return std::unexpected(drivers::Problem{drivers::ProblemCode::kTimeout, "test gave up"});
    return std::move(*outcome);
  }

  // The instructions in the order they were first given.
  std::vector<std::string> instructions() const {
    std::vector<std::string> said;
    for (const auto& p : progress_) {
      const std::string id(guidance_id(p.analysis.guidance));
      if (std::ranges::find(said, id) == said.end()) said.push_back(id);
    }
    return said;
  }

  static inline config::ServiceCatalogue* catalogue_ = nullptr;
  static inline sim::PersonCutout* person_ = nullptr;
  static inline testing::ScratchDir* dir_ = nullptr;
  static inline sim::PhotoSession* session_ = nullptr;
  boost::asio::io_context io_;
  std::unique_ptr<drivers::Camera> camera_ = drivers::make_opencv_camera(io_.get_executor());
  std::vector<CaptureProgress> progress_;
};

TEST_F(PhotoCaptureTest, TheApplicantIsGuidedAndTheSharpestPassingFrameIsTaken) {
  const CaptureOutcome outcome = capture("session.avi", true);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  // Guided through each fault the applicant brings, in the order they came.
  const auto said = instructions();
  const auto at = [&](const char* id) { return std::ranges::find(said, id) - said.begin(); };
  ASSERT_LT(at("photo.no_face"), static_cast<long>(said.size())) << ::testing::PrintToString(said);
  EXPECT_LT(at("photo.no_face"), at("photo.come_closer")) << ::testing::PrintToString(said);
  EXPECT_LT(at("photo.come_closer"), at("photo.move_left")) << ::testing::PrintToString(said);
  EXPECT_LT(at("photo.move_left"), at("photo.hold_still")) << ::testing::PrintToString(said);
  EXPECT_LT(at("photo.hold_still"), at("photo.take_photo")) << ::testing::PrintToString(said);
  EXPECT_EQ(said.back(), "photo.take_photo");

  // Taken from a frame where the applicant stood still, after 5 passing frames in a row, and the
  // sharpest of them.
  const CapturedPhoto& photo = *outcome;
  EXPECT_GE(photo.sequence, session_->settled);
  ASSERT_GE(progress_.size(), 5u);
  EXPECT_EQ(progress_.back().passing_in_a_row, 5);
  double sharpest = 0;
  for (auto p = progress_.end() - 5; p != progress_.end(); ++p) {
    EXPECT_EQ(guidance_id(p->analysis.guidance), "photo.take_photo");
    sharpest = std::max(sharpest, p->analysis.sharpness);
  }
  EXPECT_DOUBLE_EQ(photo.analysis.sharpness, sharpest);

  // The photo: the spec's size, compliant as a finished photo, a JPEG in the 40-120 KB band.
  ASSERT_EQ(photo.photo.size(), cv::Size(spec().width_px, spec().height_px));
  auto detector = FaceDetector::load(config::FaceSection{});
  ASSERT_TRUE(detector);
  const PhotoAnalysis finished = analyse_photo(photo.photo, spec(), **detector, Framing::kFinishedPhoto);
  for (const RuleCheck& r : finished.rules) EXPECT_TRUE(r.passed) << r.id << " = " << r.value;
  EXPECT_GE(photo.file.jpeg.size(), 40u * 1024);
  EXPECT_LE(photo.file.jpeg.size(), 120u * 1024);
}

TEST_F(PhotoCaptureTest, FramesTheAnalysisHasNoTimeForAreDroppedNotQueued) {
  // Unpaced, the file gives frames as fast as they decode: far faster than they are analysed.
  const CaptureOutcome outcome = capture("restless.avi", false);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, drivers::ProblemCode::kEndOfStream);
  ASSERT_FALSE(progress_.empty());
  const CaptureProgress& last = progress_.back();
  EXPECT_GT(last.dropped, 0u);
  EXPECT_LT(last.analysed, session_->settled);
  EXPECT_LE(last.analysed + last.dropped, session_->settled);
  // Older frames were dropped, never the newest: the last instruction is about the last frame.
  EXPECT_EQ(last.sequence, session_->settled - 1);
}

TEST_F(PhotoCaptureTest, AnApplicantWhoNeverStandsStillGetsNoPhotoAndTheLastInstructionStands) {
  const CaptureOutcome outcome = capture("restless.avi", true);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, drivers::ProblemCode::kEndOfStream);
  ASSERT_FALSE(progress_.empty());
  EXPECT_EQ(guidance_id(progress_.back().analysis.guidance), "photo.hold_still");
}

TEST_F(PhotoCaptureTest, StoppingEndsTheCaptureAsCancelled) {
  const CaptureOutcome outcome = capture("session.avi", true, 3);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, drivers::ProblemCode::kCancelled);
  EXPECT_EQ(progress_.size(), 3u);
}

}  // namespace
}  // namespace kiosk::face
