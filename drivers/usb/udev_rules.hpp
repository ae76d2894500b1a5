// The udev rules that give the kiosk's user its devices, and nothing more: for each entry of the
// device table, the USB device node (fingerprint readers and scanners, reached through libusb) or
// the camera's video4linux node, by vendor and product id, owned by the kiosk's group, mode 0660.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace kiosk::drivers {

std::string udev_rules(const std::vector<config::DeviceTableEntry>& table, std::string_view group);

}  // namespace kiosk::drivers
