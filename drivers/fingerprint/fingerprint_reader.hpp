// The fingerprint reader as the application sees it: list, open, capture one image, cancel, close.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "drivers/image.hpp"
#include "drivers/problem.hpp"

namespace kiosk::drivers {

struct FingerprintDeviceInfo {
  std::string id;      // stable within one run: the library's device id
  std::string driver;  // e.g. "virtual_image", "goodixmoc"
  std::string name;    // human-readable model name
};

// Things the reader reports while an operation runs or between operations.
enum class FingerEvent {
  kPlaceFinger,    // the reader waits for a finger: prompt the applicant
  kFingerPresent,  // a finger is on the sensor
  kDeviceRemoved,  // the reader was unplugged; reopen it when it returns
};

// One operation at a time: a second request while one runs completes with ProblemCode::kBusy.
// Every handler runs later on the executor given at construction, never inside the call.
class FingerprintReader {
 public:
  template <typename T>
  using Handler = std::function<void(Result<T>)>;

  virtual ~FingerprintReader() = default;

  virtual void list_devices(Handler<std::vector<FingerprintDeviceInfo>> done) = 0;
  // Opens the device with this id, or the first one found when `id` is empty.
  virtual void open(const std::string& id, Handler<FingerprintDeviceInfo> done) = 0;
  // Waits for a finger (up to `deadline`) and returns its image as the sensor gave it.
  virtual void capture(std::chrono::milliseconds deadline, Handler<Image> done) = 0;
  // Cancels the running operation; its handler gets ProblemCode::kCancelled promptly.
  virtual void cancel() = 0;
  virtual void close(Handler<void> done) = 0;
  virtual void on_event(std::function<void(FingerEvent)> handler) = 0;
};

// The libfprint back-end. All libfprint calls run on one thread that owns GLib's global default
// main context (libfprint 1.94.5 attaches its timeouts there), so a process has at most one of
// these at a time.
std::unique_ptr<FingerprintReader> make_libfprint_reader(boost::asio::any_io_executor executor);

}  // namespace kiosk::drivers
