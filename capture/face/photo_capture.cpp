// Auto-capture: the camera's frames, one analysis thread, the sharpest of a passing run.
#include "capture/face/photo_capture.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/post.hpp>
#include <opencv2/imgproc.hpp>

#include "capture/document/scan_image.hpp"

namespace kiosk::face {

PhotoCapture::PhotoCapture(boost::asio::any_io_executor executor, drivers::Camera& camera,
                           std::unique_ptr<FaceDetector> detector, int consecutive_frames)
    : executor_(std::move(executor)),
      camera_(camera),
      detector_(std::move(detector)),
      consecutive_frames_(std::max(1, consecutive_frames)) {}

PhotoCapture::~PhotoCapture() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  if (!analysis_.joinable()) return;
  // The last owner can be the analysis thread itself, letting go as it ends.
  if (analysis_.get_id() == std::this_thread::get_id()) {
    analysis_.detach();
  } else {
    analysis_.join();
  }
}

void PhotoCapture::start(const config::PhotoSpec& spec, std::function<void(const CaptureProgress&)> progress,
                         std::function<void(CaptureOutcome)> done) {
  if (analysis_.joinable()) {  // one capture per object
    boost::asio::post(executor_, [done = std::move(done)] {
      done(std::unexpected(drivers::Problem{drivers::ProblemCode::kBusy, "this photo capture has already run"}));
    });
    return;
  }
  spec_ = spec;
  progress_ = std::move(progress);
  done_ = std::move(done);
  detector_->forget();  // a new applicant
  // The thread holds the capture while it runs: nothing it touches can go away under it.
  analysis_ = std::thread([self = shared_from_this()] { self->analyse_frames(); });
  const auto self = shared_from_this();
  camera_.start([self](drivers::Frame frame) { self->offer(std::move(frame)); },
                [self](drivers::Problem problem) { self->camera_stopped(std::move(problem)); });
}

void PhotoCapture::stop() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  finish(std::unexpected(drivers::Problem{drivers::ProblemCode::kCancelled, "photo capture stopped"}));
}

void PhotoCapture::offer(drivers::Frame frame) {
  {
    std::lock_guard lock(mutex_);
    if (waiting_) ++dropped_;
    waiting_ = std::move(frame);
  }
  wake_.notify_one();
}

void PhotoCapture::camera_stopped(drivers::Problem problem) {
  // The frame still waiting may complete the run: the analysis thread says how it ends.
  {
    std::lock_guard lock(mutex_);
    camera_end_ = std::move(problem);
  }
  wake_.notify_one();
}

void PhotoCapture::analyse_frames() {
  struct Candidate {
    cv::Mat frame;
    std::uint64_t sequence = 0;
    PhotoAnalysis analysis;
  };
  std::optional<Candidate> sharpest;
  int in_a_row = 0;
  std::uint64_t analysed = 0;
  const auto post = [this](auto job) { boost::asio::post(executor_, std::move(job)); };
  for (;;) {
    drivers::Frame frame;
    std::uint64_t dropped = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return quit_ || waiting_ || camera_end_; });
      if (quit_) return;
      if (!waiting_) {
        post([self = shared_from_this(), end = *camera_end_] { self->finish(std::unexpected(end)); });
        return;
      }
      frame = std::move(*waiting_);
      waiting_.reset();
      dropped = dropped_;
    }
    cv::Mat bgr = document::to_mat(frame.image);
    if (bgr.empty()) continue;  // a broken frame: the next one will do
    // A camera giving grey frames is judged too: its instruction calls staff (camera colour).
    if (bgr.channels() == 1) cv::cvtColor(bgr, bgr, cv::COLOR_GRAY2BGR);
    PhotoAnalysis analysis = analyse_photo(bgr, spec_, *detector_);
    ++analysed;
    if (analysis.passed()) {
      ++in_a_row;
      if (!sharpest || analysis.sharpness > sharpest->analysis.sharpness) {
        sharpest = Candidate{bgr, frame.sequence, analysis};
      }
    } else {
      in_a_row = 0;
      sharpest.reset();
    }
    post([self = shared_from_this(), progress = CaptureProgress{analysis, frame.sequence, in_a_row, analysed, dropped, bgr}] {
      if (!self->finished_ && self->progress_) self->progress_(progress);
    });
    if (in_a_row < consecutive_frames_) continue;

    CapturedPhoto photo{sharpest->frame, sharpest->sequence, sharpest->analysis, {}, {}};
    photo.photo = cut_photo(photo.frame, photo.analysis, spec_);
    auto file = encode_photo(photo.photo, spec_);
    CaptureOutcome outcome = std::unexpected(drivers::Problem{drivers::ProblemCode::kInvalid, ""});
    if (file) {
      photo.file = std::move(*file);
      outcome = std::move(photo);
    } else {
      outcome = std::unexpected(drivers::Problem{drivers::ProblemCode::kInvalid, "photo spec \"" + spec_.name + "\": " + file.error()});
    }
    post([self = shared_from_this(), outcome = std::move(outcome)]() mutable { self->finish(std::move(outcome)); });
    return;
  }
}

void PhotoCapture::finish(CaptureOutcome outcome) {
  if (finished_) return;
  finished_ = true;
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  camera_.stop();
  if (done_) done_(std::move(outcome));
}

}  // namespace kiosk::face
