// kioskctl usb: the udev rules for the devices of the device table.
#include <cstdio>
#include <string>

#include "config/config.hpp"
#include "drivers/usb/udev_rules.hpp"
#include "kiosk/kioskctl.hpp"

namespace kiosk::ctl {

int usb_udev_rules(int argc, char** argv) {
  std::string table = "/etc/kiosk/devices.json";
  std::string group = "kiosk";
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--group" && i + 1 < argc) {
      group = argv[++i];
    } else if (!a.starts_with("--")) {
      table = a;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  try {
    std::fputs(drivers::udev_rules(config::load_device_table(table), group).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kioskctl: %s\n", e.what());
    return 2;
  }
  return 0;
}

}  // namespace kiosk::ctl
