// udev rules from the device table; see udev_rules.hpp.
#include "drivers/usb/udev_rules.hpp"

#include <fmt/format.h>

namespace kiosk::drivers {

std::string udev_rules(const std::vector<config::DeviceTableEntry>& table, std::string_view group) {
  std::string out = fmt::format(
      "# The consular enrolment kiosk's devices, for the '{}' group; made from the device table "
      "by\n"
      "# `kioskctl usb udev-rules`. Any other device stays as udev leaves it.\n",
      group);
  for (const auto& e : table) {
    const std::string ids = fmt::format(
        "ATTR{{idVendor}}==\"{:04x}\", ATTR{{idProduct}}==\"{:04x}\"", e.vendor_id, e.product_id);
    out += fmt::format("# {}: {}\n", config::to_string(e.device_class), e.model);
    if (e.device_class == config::DeviceClass::kCamera) {
      // The camera is opened as /dev/videoN, a child of the USB device: its attributes are a
      // parent's (ATTRS).
      std::string parent = ids;
      for (std::size_t at; (at = parent.find("ATTR{")) != std::string::npos;)
        parent.replace(at, 5, "ATTRS{");
      out += fmt::format("SUBSYSTEM==\"video4linux\", {}, GROUP=\"{}\", MODE=\"0660\"\n", parent,
                         group);
    } else {
      out += fmt::format(
          "SUBSYSTEM==\"usb\", ENV{{DEVTYPE}}==\"usb_device\", {}, GROUP=\"{}\", MODE=\"0660\"\n",
          ids, group);
    }
  }
  return out;
}

}  // namespace kiosk::drivers
