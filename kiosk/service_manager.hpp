// The kiosk as a systemd service (Type=notify): ready once every device it needs has answered,
// a status line for `systemctl status`, and the watchdog fed from the main loop, so that a hung
// loop is restarted. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string_view>

namespace kiosk::app {

class ServiceManager {
 public:
  explicit ServiceManager(boost::asio::any_io_executor executor);

  // Feeds the watchdog from the loop at half the interval systemd asked for (WatchdogSec=).
  void start_watchdog();
  void ready(std::string_view status);
  void status(std::string_view status);
  void stopping();
  bool watchdog_enabled() const { return interval_.count() > 0; }

 private:
  void feed();

  boost::asio::steady_timer timer_;
  std::chrono::microseconds interval_{0};
};

}  // namespace kiosk::app
