// Device-library environment set-up from the configuration.
#include "drivers/environment.hpp"

#include <cstdlib>

namespace kiosk::drivers {

void export_device_environment(const config::Config& config) {
  const auto& fp = config.fingerprint;
  if (!fp.virtual_image_socket.empty()) {
    setenv("FP_VIRTUAL_IMAGE", fp.virtual_image_socket.c_str(), 1);
  } else {
    unsetenv("FP_VIRTUAL_IMAGE");
  }
  if (!fp.drivers.empty()) {
    std::string list;
    for (const auto& d : fp.drivers) list += (list.empty() ? "" : ":") + d;
    setenv("FP_DRIVERS_WHITELIST", list.c_str(), 1);
  } else {
    unsetenv("FP_DRIVERS_WHITELIST");
  }
  if (!config.scanner.sane_config_dir.empty()) {
    setenv("SANE_CONFIG_DIR", config.scanner.sane_config_dir.c_str(), 1);
  }
}

}  // namespace kiosk::drivers
