// systemd notification; see service_manager.hpp.
#include "kiosk/service_manager.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace kiosk::app {

ServiceManager::ServiceManager(boost::asio::any_io_executor executor)
    : timer_(std::move(executor)) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) interval_ = std::chrono::microseconds(usec);
}

void ServiceManager::start_watchdog() {
  if (watchdog_enabled()) feed();
}

void ServiceManager::feed() {
  sd_notify(0, "WATCHDOG=1");
  timer_.expires_after(interval_ / 2);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) feed();
  });
}

void ServiceManager::ready(std::string_view text) {
  sd_notify(0, ("READY=1\nSTATUS=" + std::string(text)).c_str());
}

void ServiceManager::status(std::string_view text) {
  sd_notify(0, ("STATUS=" + std::string(text)).c_str());
}

void ServiceManager::stopping() {
  timer_.cancel();
  sd_notify(0, "STOPPING=1");
}

}  // namespace kiosk::app
