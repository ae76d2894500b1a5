// Device creation and the USB inventory at start-up.
#include "kiosk/devices.hpp"

#include "config/log.hpp"

namespace kiosk::app {

Devices make_devices(const boost::asio::any_io_executor& executor, const config::Config& config) {
  auto log = log::get("kiosk");
  Devices d;
  d.fingerprint = drivers::make_libfprint_reader(executor);
  d.scanner = drivers::make_sane_scanner(executor);
  d.camera = drivers::make_opencv_camera(executor);
  if (!config.printer.destination.empty()) {
    d.printer = drivers::make_cups_printer(executor, config.printer.destination, config.printer.server,
                                          config.printer.timeout);
  }
  if (!config.usb.enabled) return d;

  auto usb = drivers::make_libusb_monitor(executor);
  if (!usb) {
    log->warn("USB hot-plug monitoring off: {}", usb.error().detail);
    return d;
  }
  d.usb = std::move(*usb);
  if (auto present = d.usb->present()) {
    const auto known = drivers::match_inventory(*present, config.usb.device_table);
    log->info("USB: {} device(s) present, {} in the device table", present->size(), known.size());
    for (const auto& item : known) {
      log->info("USB: {} {} ({})", config::to_string(item.entry.device_class), item.entry.model,
                drivers::to_string(item.device));
    }
  } else {
    log->warn("USB inventory failed: {}", present.error().message());
  }
  auto watched = d.usb->watch([log, table = config.usb.device_table, listener = d.usb_listener](
                                  drivers::UsbChange change, drivers::UsbDevice device) {
    const auto known = drivers::match_inventory({device}, table);
    const char* verb = change == drivers::UsbChange::kArrived ? "plugged in" : "unplugged";
    if (known.empty()) {
      log->debug("USB: {} {}", drivers::to_string(device), verb);
    } else {
      log->info("USB: {} {} ({}) {}", config::to_string(known[0].entry.device_class),
                known[0].entry.model, drivers::to_string(device), verb);
      if (*listener) (*listener)(change, known[0].entry.device_class);
    }
  });
  if (!watched) log->warn("USB hot-plug monitoring off: {}", watched.error().detail);
  return d;
}

}  // namespace kiosk::app
