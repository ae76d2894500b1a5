// The camera as the application sees it: open a source, stream frames with timestamps, stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "config/config.hpp"
#include "drivers/correction.hpp"
#include "drivers/image.hpp"
#include "drivers/problem.hpp"

namespace kiosk::drivers {

struct CameraSource {
  config::CameraSourceKind kind = config::CameraSourceKind::kV4l2;
  std::string location;  // "/dev/video0", a GStreamer pipeline ending in appsink, or a file
  int width = 1280;      // requested; a device may give another size
  int height = 720;
  double fps = 30.0;
  bool pace_to_fps = false;  // file sources: deliver at the file's rate, as a live camera would
};

CameraSource camera_source_from(const config::CameraSection& section);

struct CameraInfo {
  std::string backend;  // OpenCV's name for the back-end: "V4L2", "GSTREAMER", "FFMPEG", ...
  int width = 0;
  int height = 0;
  double fps = 0;
  long long frame_count = -1;  // files only; -1 for live sources
};

struct Frame {
  Image image;  // RGB
  std::uint64_t sequence = 0;
  std::chrono::steady_clock::time_point captured_at;
  double stream_ms = 0;  // position in the stream as the source reports it
};

// Streaming delivers frames on the executor given at construction. A live source drops frames
// that the application has no time for (at most two wait); an unpaced file delivers every frame.
class Camera {
 public:
  template <typename T>
  using Handler = std::function<void(Result<T>)>;

  virtual ~Camera() = default;

  virtual void open(const CameraSource& source, Handler<CameraInfo> done) = 0;
  // Streams until stop(), end of stream or a fault. `stopped` is called once at the end with
  // kCancelled (stop()), kEndOfStream (a file ran out) or an error such as kRemoved.
  virtual void start(std::function<void(Frame)> on_frame,
                     std::function<void(Problem)> stopped) = 0;
  virtual void stop() = 0;
  virtual void close(Handler<void> done) = 0;
  // The calibration's gains, applied to every frame from the next one on.
  virtual void correct(const ColourGains& gains) = 0;
};

// The OpenCV videoio back-end. Frames are grabbed on their own thread.
std::unique_ptr<Camera> make_opencv_camera(boost::asio::any_io_executor executor);

}  // namespace kiosk::drivers
