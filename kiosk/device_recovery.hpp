// What the kiosk does for a device that fails during a session before anyone is told it failed,
// and for a device that comes back: a device still on USB gets a port reset (once a session) and
// is opened again; a device that returns after an unplug is opened again.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "kiosk/devices.hpp"

namespace kiosk::app {

class DeviceRecovery {
 public:
  // `failure` is empty when the device answers again, else why it does not (for the log).
  using Done = std::function<void(std::string failure)>;

  // Everything given must outlive the recovery. `settle`: how long the kernel gets to enumerate a
  // device again after its port reset.
  DeviceRecovery(boost::asio::any_io_executor executor, Devices& devices, const config::Config& config,
                 std::chrono::milliseconds settle = std::chrono::seconds(1));

  // Resets the USB port of `device` and opens it again. Fails at once for a device that is not on
  // USB (the simulation's, an unplugged one) or whose port was reset already in this session.
  void reset_and_reopen(config::DeviceClass device, Done done);
  // Closes and opens the driver of `device` again (the camera is opened by its step each time).
  void reopen(config::DeviceClass device, Done done);
  // Whether reset_and_reopen can try: the device is on USB and was not reset in this session.
  bool can_reset(config::DeviceClass device) const { return !reset_.contains(device) && on_usb(device); }
  // A new applicant: each device may have its port reset once more.
  void new_session() { reset_.clear(); }

 private:
  // The device of this class plugged in, as the device table knows it.
  std::optional<drivers::UsbDevice> on_usb(config::DeviceClass device) const;

  Devices& devices_;
  const config::Config& config_;
  std::chrono::milliseconds settle_;
  boost::asio::steady_timer timer_;
  std::set<config::DeviceClass> reset_;  // ports reset in this session
};

}  // namespace kiosk::app
