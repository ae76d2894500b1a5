// The OpenCV videoio back-end of Camera: one grab thread owns the VideoCapture.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "config/log.hpp"
#include "drivers/camera/camera.hpp"
#include "drivers/worker.hpp"

namespace kiosk::drivers {

CameraSource camera_source_from(const config::CameraSection& s) {
  return {s.source, s.location, s.width, s.height, s.fps, s.pace_to_fps};
}

namespace {

using config::CameraSourceKind;

class OpencvCamera final : public Camera {
 public:
  explicit OpencvCamera(boost::asio::any_io_executor executor)
      : executor_(std::move(executor)), log_(log::get("camera")) {
    // OpenCV prints its own warnings for sources it cannot open; ours say it better.
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  }

  ~OpencvCamera() override {
    stop();
    worker_.post([this] { capture_.release(); });
    worker_.join();
  }

  void open(const CameraSource& source, Handler<CameraInfo> done) override {
    if (!one_at_a_time_.admit(executor_, done)) return;
    worker_.post([this, source, done = std::move(done)]() mutable {
      Result<CameraInfo> result = open_on_worker(source);
      one_at_a_time_.end();
      detail::deliver(executor_, std::move(done), std::move(result));
    });
  }

  void start(std::function<void(Frame)> on_frame, std::function<void(Problem)> stopped) override {
    if (!one_at_a_time_.try_begin()) {
      boost::asio::post(executor_, [stopped] {
        stopped({ProblemCode::kBusy, "the camera is already streaming"});
      });
      return;
    }
    flow_->stop = false;
    worker_.post([this, on_frame = std::move(on_frame), stopped = std::move(stopped)] {
      Problem end = stream_on_worker(on_frame);
      one_at_a_time_.end();
      boost::asio::post(executor_, [stopped, end] { stopped(end); });
    });
  }

  void stop() override {
    flow_->stop = true;
    flow_->changed.notify_all();
  }

  void correct(const ColourGains& gains) override {
    std::lock_guard lock(gains_mutex_);
    gains_ = gains;
  }

  void close(Handler<void> done) override {
    stop();
    worker_.post([this, done = std::move(done)]() mutable {
      capture_.release();
      detail::deliver(executor_, std::move(done), Result<void>());
    });
  }

 private:
  Result<CameraInfo> open_on_worker(const CameraSource& source) {
    capture_.release();
    source_ = source;
    bool opened = false;
    switch (source.kind) {
      case CameraSourceKind::kFile:
        if (!std::filesystem::is_regular_file(source.location)) {
          return problem(ProblemCode::kNotFound, "camera source file " + source.location +
                                                     " does not exist");
        }
        opened = capture_.open(source.location, cv::CAP_ANY);
        if (!opened) {
          return problem(ProblemCode::kUnsupported,
                         "camera source file " + source.location + " cannot be decoded");
        }
        break;
      case CameraSourceKind::kV4l2:
        if (!std::filesystem::exists(source.location)) {
          return problem(ProblemCode::kNotFound, "no camera at " + source.location);
        }
        opened = capture_.open(source.location, cv::CAP_V4L2);
        if (opened) {
          capture_.set(cv::CAP_PROP_FRAME_WIDTH, source.width);
          capture_.set(cv::CAP_PROP_FRAME_HEIGHT, source.height);
          capture_.set(cv::CAP_PROP_FPS, source.fps);
        }
        break;
      case CameraSourceKind::kGstreamer:
        opened = capture_.open(source.location, cv::CAP_GSTREAMER);
        break;
    }
    if (!opened) {
      return problem(ProblemCode::kNotFound, "camera " + source.location + " cannot be opened");
    }
    CameraInfo info;
    info.backend = capture_.getBackendName();
    info.width = static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_WIDTH));
    info.height = static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_HEIGHT));
    info.fps = capture_.get(cv::CAP_PROP_FPS);
    if (source.kind == CameraSourceKind::kFile) {
      info.frame_count = static_cast<long long>(capture_.get(cv::CAP_PROP_FRAME_COUNT));
    }
    fps_ = info.fps > 0 ? info.fps : source.fps;
    log_->info("opened {} source via {}: {}x{} at {:.1f} fps", config::to_string(source.kind),
               info.backend, info.width, info.height, fps_);
    return info;
  }

  Problem stream_on_worker(const std::function<void(Frame)>& on_frame) {
    if (!capture_.isOpened()) return {ProblemCode::kNotOpen, "open the camera first"};
    const bool is_file = source_.kind == CameraSourceKind::kFile;
    const bool live = !is_file || source_.pace_to_fps;
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / fps_));
    auto next_due = std::chrono::steady_clock::now();
    cv::Mat bgr;
    std::uint64_t sequence = 0;
    for (;;) {
      if (flow_->stop) return {ProblemCode::kCancelled, {}};
      if (!capture_.read(bgr) || bgr.empty()) {
        if (flow_->stop) return {ProblemCode::kCancelled, {}};
        if (is_file) return {ProblemCode::kEndOfStream, source_.location};
        log_->warn("camera {} stopped delivering frames", source_.location);
        return {ProblemCode::kRemoved, "camera " + source_.location + " stopped delivering frames"};
      }
      Frame frame;
      frame.captured_at = std::chrono::steady_clock::now();
      frame.sequence = sequence++;
      frame.stream_ms = capture_.get(cv::CAP_PROP_POS_MSEC);
      frame.image = to_rgb_image(bgr);
      apply(gains(), frame.image);
      if (!hand_over(std::move(frame), on_frame, live)) continue;
      if (is_file && source_.pace_to_fps) {
        next_due += period;
        std::unique_lock lock(flow_->mutex);
        flow_->changed.wait_until(lock, next_due, [this] { return flow_->stop.load(); });
      }
    }
  }

  // Posts a frame to the application. A live source drops the frame when two are still waiting;
  // a file waits for room. Returns false when the frame was dropped.
  bool hand_over(Frame frame, const std::function<void(Frame)>& on_frame, bool live) {
    Flow& flow = *flow_;
    {
      std::unique_lock lock(flow.mutex);
      if (live && flow.in_flight >= 2) return false;
      flow.changed.wait(lock, [&flow] { return flow.in_flight < 2 || flow.stop; });
      if (flow.stop) return false;
      ++flow.in_flight;
    }
    boost::asio::post(executor_, [flow = flow_, on_frame, frame = std::move(frame)]() mutable {
      {
        std::lock_guard lock(flow->mutex);
        --flow->in_flight;
      }
      flow->changed.notify_all();
      on_frame(std::move(frame));
    });
    return true;
  }

  ColourGains gains() {
    std::lock_guard lock(gains_mutex_);
    return gains_;
  }

  static Image to_rgb_image(const cv::Mat& bgr) {
    Image image;
    image.width = bgr.cols;
    image.height = bgr.rows;
    image.channels = 3;
    image.pixels.resize(image.row_bytes() * image.height);
    cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, image.pixels.data());
    if (bgr.channels() == 1) {
      cv::cvtColor(bgr, rgb, cv::COLOR_GRAY2RGB);
    } else {
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    }
    return image;
  }

  boost::asio::any_io_executor executor_;
  std::shared_ptr<spdlog::logger> log_;
  detail::OneAtATime one_at_a_time_;
  // Shared with the frames on their way to the application, which may outlive this object.
  struct Flow {
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable changed;
    int in_flight = 0;  // frames posted and not yet handed to the application
  };
  std::shared_ptr<Flow> flow_ = std::make_shared<Flow>();
  std::mutex gains_mutex_;
  ColourGains gains_;  // guarded by gains_mutex_
  // Owned by the grab thread.
  cv::VideoCapture capture_;
  CameraSource source_;
  double fps_ = 30;
  detail::WorkerThread worker_;  // last: started after, and joined before, the members above go
};

}  // namespace

std::unique_ptr<Camera> make_opencv_camera(boost::asio::any_io_executor executor) {
  return std::make_unique<OpencvCamera>(std::move(executor));
}

}  // namespace kiosk::drivers
