// The libusb back-end of UsbMonitor: hot-plug callbacks run on libusb's event thread and only post.
#include <libusb.h>

#include <atomic>
#include <thread>

#include <boost/asio/post.hpp>

#include "config/log.hpp"
#include "drivers/usb/usb_monitor.hpp"
#include "drivers/worker.hpp"

namespace kiosk::drivers {
namespace {

ProblemCode code_of(int libusb_error) {
  switch (libusb_error) {
    case LIBUSB_ERROR_ACCESS: return ProblemCode::kAccessDenied;
    case LIBUSB_ERROR_NO_DEVICE: return ProblemCode::kRemoved;
    case LIBUSB_ERROR_NOT_FOUND: return ProblemCode::kNotFound;
    case LIBUSB_ERROR_BUSY: return ProblemCode::kBusy;
    case LIBUSB_ERROR_TIMEOUT: return ProblemCode::kTimeout;
    case LIBUSB_ERROR_NO_MEM: return ProblemCode::kNoMemory;
    case LIBUSB_ERROR_NOT_SUPPORTED: return ProblemCode::kUnsupported;
    default: return ProblemCode::kIo;
  }
}

UsbDevice describe(libusb_device* device) {
  UsbDevice d;
  libusb_device_descriptor descriptor{};
  if (libusb_get_device_descriptor(device, &descriptor) == LIBUSB_SUCCESS) {
    d.vendor_id = descriptor.idVendor;
    d.product_id = descriptor.idProduct;
  }
  d.bus = libusb_get_bus_number(device);
  d.address = libusb_get_device_address(device);
  return d;
}

class LibusbMonitor final : public UsbMonitor {
 public:
  LibusbMonitor(boost::asio::any_io_executor executor, libusb_context* context)
      : executor_(std::move(executor)), context_(context), log_(log::get("usb")) {}

  ~LibusbMonitor() override {
    resets_.join();  // a reset under way finishes before libusb goes
    stop_ = true;
    if (registered_) libusb_hotplug_deregister_callback(context_, handle_);  // wakes the thread
    if (events_.joinable()) events_.join();
    libusb_exit(context_);
  }

  Result<std::vector<UsbDevice>> present() override {
    libusb_device** list = nullptr;
    const ssize_t count = libusb_get_device_list(context_, &list);
    if (count < 0) {
      return problem(ProblemCode::kIo, libusb_strerror(static_cast<int>(count)));
    }
    std::vector<UsbDevice> out;
    for (ssize_t i = 0; i < count; ++i) out.push_back(describe(list[i]));
    libusb_free_device_list(list, 1);
    return out;
  }

  void reset_port(UsbDevice device, std::function<void(Result<void>)> done) override {
    resets_.post([this, device, done = std::move(done)]() mutable {
      detail::deliver(executor_, std::move(done), reset_now(device));
    });
  }

  Result<void> watch(std::function<void(UsbChange, UsbDevice)> handler) override {
    if (registered_) return problem(ProblemCode::kBusy, "already watching");
    handler_ = std::move(handler);
    const int rc = libusb_hotplug_register_callback(
        context_,
        static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                          LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
        LIBUSB_HOTPLUG_NO_FLAGS, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
        LIBUSB_HOTPLUG_MATCH_ANY, &LibusbMonitor::on_hotplug, this, &handle_);
    if (rc != LIBUSB_SUCCESS) return problem(ProblemCode::kUnsupported, libusb_strerror(rc));
    registered_ = true;
    events_ = std::thread([this] {
      while (!stop_) {
        timeval timeout{0, 250'000};
        libusb_handle_events_timeout_completed(context_, &timeout, nullptr);
      }
    });
    return {};
  }

 private:
  // On the resets_ thread: libusb_reset_device blocks while the hub resets the port.
  Result<void> reset_now(const UsbDevice& target) {
    libusb_device** list = nullptr;
    const ssize_t count = libusb_get_device_list(context_, &list);
    if (count < 0) return problem(ProblemCode::kIo, libusb_strerror(static_cast<int>(count)));
    libusb_device_handle* handle = nullptr;
    int rc = LIBUSB_ERROR_NO_DEVICE;
    for (ssize_t i = 0; i < count; ++i) {
      const UsbDevice d = describe(list[i]);
      if (d.bus == target.bus && d.address == target.address && d.vendor_id == target.vendor_id &&
          d.product_id == target.product_id) {
        rc = libusb_open(list[i], &handle);
        break;
      }
    }
    libusb_free_device_list(list, 1);
    if (rc != LIBUSB_SUCCESS) {
      return problem(code_of(rc), "cannot open " + to_string(target) + " to reset it: " + libusb_strerror(rc));
    }
    log_->warn("resetting the USB port of {}", to_string(target));
    rc = libusb_reset_device(handle);
    libusb_close(handle);
    // NOT_FOUND: the device came back from the reset as a new one, to be enumerated afresh.
    if (rc != LIBUSB_SUCCESS && rc != LIBUSB_ERROR_NOT_FOUND) {
      return problem(code_of(rc), "the USB port reset of " + to_string(target) + " failed: " + libusb_strerror(rc));
    }
    return {};
  }

  static int LIBUSB_CALL on_hotplug(libusb_context*, libusb_device* device,
                                    libusb_hotplug_event event, void* data) {
    auto* self = static_cast<LibusbMonitor*>(data);
    const UsbChange change =
        event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? UsbChange::kArrived : UsbChange::kLeft;
    const UsbDevice d = describe(device);
    boost::asio::post(self->executor_, [handler = self->handler_, change, d] { handler(change, d); });
    return 0;  // stay registered
  }

  boost::asio::any_io_executor executor_;
  libusb_context* context_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void(UsbChange, UsbDevice)> handler_;
  libusb_hotplug_callback_handle handle_ = 0;
  bool registered_ = false;
  std::atomic<bool> stop_{false};
  std::thread events_;
  detail::WorkerThread resets_;
};

}  // namespace

Result<std::unique_ptr<UsbMonitor>> make_libusb_monitor(boost::asio::any_io_executor executor) {
  libusb_context* context = nullptr;
  const int rc = libusb_init(&context);
  if (rc != LIBUSB_SUCCESS) {
    return problem(ProblemCode::kUnsupported,
                   std::string("USB is not available here: ") + libusb_strerror(rc));
  }
  if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
    libusb_exit(context);
    return problem(ProblemCode::kUnsupported, "this libusb cannot report hot-plug events");
  }
  return std::make_unique<LibusbMonitor>(std::move(executor), context);
}

}  // namespace kiosk::drivers
