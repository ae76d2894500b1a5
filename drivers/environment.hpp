// Points the device libraries at their devices through the environment variables they read:
// FP_VIRTUAL_IMAGE and FP_DRIVERS_WHITELIST for libfprint, SANE_CONFIG_DIR for SANE.
#pragma once

#include "config/config.hpp"

namespace kiosk::drivers {

// Call once at start-up, before any driver is created and before any other thread runs: the
// libraries read these when they initialise, and setenv is not safe beside other threads.
void export_device_environment(const config::Config& config);

}  // namespace kiosk::drivers
