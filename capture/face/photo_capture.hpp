// Auto-capture of the applicant's photo from the camera. Every frame the analysis has time for is
// judged by the service's photo spec (photo_rules.hpp) on a thread of its own, and the applicant
// is told the one instruction that matters now. When `consecutive_frames` analysed frames in a
// row pass every rule, the sharpest of them is cut and written as the spec asks (photo_file.hpp).
// A frame that arrives while another is analysed waits in a single place, a newer one replacing it
// (the older is dropped and counted): the instruction is always about what the camera sees now,
// however slow the machine.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/any_io_executor.hpp>
#include <opencv2/core.hpp>

#include "capture/face/face_detector.hpp"
#include "capture/face/photo_file.hpp"
#include "capture/face/photo_rules.hpp"
#include "config/services.hpp"
#include "drivers/camera/camera.hpp"

namespace kiosk::face {

struct CapturedPhoto {
  cv::Mat frame;               // BGR: the camera frame the photo was cut from
  std::uint64_t sequence = 0;  // that frame's number in the stream
  PhotoAnalysis analysis;      // of that frame
  cv::Mat photo;               // BGR, at the spec's pixel size
  PhotoFile file;              // the JPEG the service takes
};

struct CaptureProgress {
  PhotoAnalysis analysis;      // of the frame just analysed; analysis.guidance is the instruction
  std::uint64_t sequence = 0;  // its number in the stream
  int passing_in_a_row = 0;    // of the consecutive_frames needed
  std::uint64_t analysed = 0, dropped = 0;
  cv::Mat frame;               // BGR: the frame analysed, for the screen's preview (shared, not copied)
};

// The photo, or why there is none: kCancelled (stop()), kEndOfStream (a file ran out before a
// photo could be taken), kInvalid (the spec's file limits cannot be met: a configuration fault),
// or the camera's own fault (kRemoved...).
using CaptureOutcome = std::expected<CapturedPhoto, drivers::Problem>;

// One capture at a time, on a camera already opened; handlers run on `executor`, which must be
// the camera's. Made with std::make_shared (the camera's callbacks hold it).
class PhotoCapture : public std::enable_shared_from_this<PhotoCapture> {
 public:
  PhotoCapture(boost::asio::any_io_executor executor, drivers::Camera& camera,
               std::unique_ptr<FaceDetector> detector, int consecutive_frames);
  ~PhotoCapture();
  PhotoCapture(const PhotoCapture&) = delete;
  PhotoCapture& operator=(const PhotoCapture&) = delete;

  // Streams the camera and analyses its frames by `spec` until a photo is taken, stop(), or the
  // camera stops. `progress` follows every analysed frame; `done` is called once.
  void start(const config::PhotoSpec& spec, std::function<void(const CaptureProgress&)> progress,
             std::function<void(CaptureOutcome)> done);
  void stop();

 private:
  void offer(drivers::Frame frame);   // the camera's thread of delivery
  void camera_stopped(drivers::Problem problem);
  void analyse_frames();              // the analysis thread
  void finish(CaptureOutcome outcome);  // on the executor

  boost::asio::any_io_executor executor_;
  drivers::Camera& camera_;
  std::unique_ptr<FaceDetector> detector_;
  int consecutive_frames_;
  config::PhotoSpec spec_;
  std::function<void(const CaptureProgress&)> progress_;
  std::function<void(CaptureOutcome)> done_;
  bool finished_ = false;  // executor only

  std::mutex mutex_;  // guards what the camera and the analysis thread share:
  std::condition_variable wake_;
  std::optional<drivers::Frame> waiting_;
  std::optional<drivers::Problem> camera_end_;
  bool quit_ = false;
  std::uint64_t dropped_ = 0;
  std::thread analysis_;
};

}  // namespace kiosk::face
