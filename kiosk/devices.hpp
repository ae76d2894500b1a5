// The kiosk's devices, each behind its driver interface, created from the configuration.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "config/config.hpp"
#include "drivers/camera/camera.hpp"
#include "drivers/fingerprint/fingerprint_reader.hpp"
#include "drivers/printer/printer.hpp"
#include "drivers/scanner/scanner.hpp"
#include "drivers/usb/usb_monitor.hpp"

namespace kiosk::app {

struct Devices {
  std::unique_ptr<drivers::FingerprintReader> fingerprint;
  std::unique_ptr<drivers::Scanner> scanner;
  std::unique_ptr<drivers::Camera> camera;
  std::unique_ptr<drivers::Printer> printer;  // null where no receipt printer is configured
  std::unique_ptr<drivers::UsbMonitor> usb;  // null where USB cannot be watched
  // Told when a device of the device table is plugged in or out; set by whoever needs to know.
  std::shared_ptr<std::function<void(drivers::UsbChange, config::DeviceClass)>> usb_listener =
      std::make_shared<std::function<void(drivers::UsbChange, config::DeviceClass)>>();
};

// Creates the real back-ends. Call after drivers::export_device_environment().
Devices make_devices(const boost::asio::any_io_executor& executor, const config::Config& config);

}  // namespace kiosk::app
