// Port reset and reopening of the kiosk's devices; see device_recovery.hpp.
#include "kiosk/device_recovery.hpp"

#include <boost/asio/post.hpp>

#include "config/log.hpp"

namespace kiosk::app {

DeviceRecovery::DeviceRecovery(boost::asio::any_io_executor executor, Devices& devices,
                               const config::Config& config, std::chrono::milliseconds settle)
    : devices_(devices), config_(config), settle_(settle), timer_(std::move(executor)) {}

std::optional<drivers::UsbDevice> DeviceRecovery::on_usb(config::DeviceClass device) const {
  if (!devices_.usb) return std::nullopt;
  const auto present = devices_.usb->present();
  if (!present) return std::nullopt;
  for (const auto& item : drivers::match_inventory(*present, config_.usb.device_table)) {
    if (item.entry.device_class == device) return item.device;
  }
  return std::nullopt;
}

void DeviceRecovery::reset_and_reopen(config::DeviceClass device, Done done) {
  const auto fail = [this, &done](std::string why) {
    boost::asio::post(timer_.get_executor(), [done = std::move(done), why = std::move(why)] { done(why); });
  };
  if (reset_.contains(device)) return fail("its USB port was reset once already in this session");
  const auto port = on_usb(device);
  if (!port) return fail("it is not on USB, so there is no port to reset");
  reset_.insert(device);
  log::get("kiosk")->warn("{} stopped answering: resetting its USB port ({})", config::to_string(device),
                          drivers::to_string(*port));
  devices_.usb->reset_port(*port, [this, device, done = std::move(done)](drivers::Result<void> reset) mutable {
    if (!reset) return done(reset.error().message());
    timer_.expires_after(settle_);
    timer_.async_wait([this, device, done = std::move(done)](boost::system::error_code ec) mutable {
      if (ec) return done("stopped while the device was being reset");
      reopen(device, std::move(done));
    });
  });
}

void DeviceRecovery::reopen(config::DeviceClass device, Done done) {
  const auto said = [](const auto& result) { return result ? std::string() : result.error().message(); };
  switch (device) {
    case config::DeviceClass::kFingerprint:
      devices_.fingerprint->close([this, said, done = std::move(done)](drivers::Result<void>) mutable {
        devices_.fingerprint->open("", [said, done = std::move(done)](auto info) { done(said(info)); });
      });
      break;
    case config::DeviceClass::kScanner:
      devices_.scanner->close([this, said, done = std::move(done)](drivers::Result<void>) mutable {
        devices_.scanner->open(config_.scanner.device, [said, done = std::move(done)](auto info) { done(said(info)); });
      });
      break;
    case config::DeviceClass::kCamera:
      // Opened to see that it answers; the photo step opens it afresh when it starts.
      devices_.camera->close([this, said, done = std::move(done)](drivers::Result<void>) mutable {
        devices_.camera->open(drivers::camera_source_from(config_.camera),
                              [said, done = std::move(done)](auto info) { done(said(info)); });
      });
      break;
  }
}

}  // namespace kiosk::app
