// The fingerprint reader as the application sees it: list, open, capture one image, cancel, close.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
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

// A print the reader made of one finger, to match later captures against. Opaque: only the
// reader that made it can use it.
class FingerTemplate {
 public:
  virtual ~FingerTemplate() = default;
};
using FingerTemplatePtr = std::shared_ptr<const FingerTemplate>;

// A minutia (ridge ending or bifurcation) as the detector found it, in image pixels.
struct Minutia {
  int x = 0;
  int y = 0;
};

// One finger captured for enrolment.
struct FingerCapture {
  Image image;
  std::vector<Minutia> minutiae;
  FingerTemplatePtr print;             // to put in the gallery of later identify calls
  std::optional<std::size_t> matched;  // index in the gallery of the print this finger matched
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
  // Waits for a finger, captures it and compares it with every print in `gallery` (libfprint's
  // identify: bozorth3 on NBIS minutiae for image readers). An empty gallery just captures.
  virtual void identify(std::vector<FingerTemplatePtr> gallery, std::chrono::milliseconds deadline,
                        Handler<FingerCapture> done) = 0;
  // Cancels the running operation; its handler gets ProblemCode::kCancelled promptly.
  virtual void cancel() = 0;
  virtual void close(Handler<void> done) = 0;
  virtual void on_event(std::function<void(FingerEvent)> handler) = 0;
};

// The libfprint back-end. All libfprint calls run on one thread that owns GLib's global default
// main context (libfprint 1.94.5 attaches its timeouts there), so a process has at most one of
// these at a time.
std::unique_ptr<FingerprintReader> make_libfprint_reader(boost::asio::any_io_executor executor);

// libfprint's minutiae detector (NBIS mindtct) on an image from any source, e.g. a file for the
// technician's tools. Blocks the calling thread. An image where it finds none (a blank platen)
// gives an empty list; only an image that is not 8-bit grey is an error.
Result<std::vector<Minutia>> detect_minutiae(const Image& grey);

}  // namespace kiosk::drivers
