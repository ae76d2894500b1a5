// The start-up device check: find each device through its real library, capture once from it,
// and say so in the log. In the simulation the virtual finger answers the reader's prompt.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "kiosk/devices.hpp"
#include "sim/rig.hpp"

namespace kiosk::app {

struct DeviceCheckResult {
  std::optional<std::string> fingerprint;  // what was captured, or empty when it failed
  std::optional<std::string> scanner;
  std::optional<std::string> camera;
  bool all_ok() const { return fingerprint && scanner && camera; }
};

// Each device as {"ok", "detail"}, for the health report and technician mode.
nlohmann::json device_report(const DeviceCheckResult& result);

// Runs the check; `done` is called once on the executor when every device has answered.
// `rig` is the simulation rig, or null on real hardware.
void check_devices(const boost::asio::any_io_executor& executor, const config::Config& config,
                   const sim::Rig* rig, Devices& devices,
                   std::function<void(DeviceCheckResult)> done);

}  // namespace kiosk::app
