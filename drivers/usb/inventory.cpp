// Matching present USB devices against the device table.
#include <cstdio>

#include "drivers/usb/usb_monitor.hpp"

namespace kiosk::drivers {

std::string to_string(const UsbDevice& d) {
  char text[64];
  std::snprintf(text, sizeof text, "%04x:%04x on bus %u address %u", d.vendor_id, d.product_id,
                d.bus, d.address);
  return text;
}

std::vector<InventoryItem> match_inventory(const std::vector<UsbDevice>& present,
                                           const std::vector<config::DeviceTableEntry>& table) {
  std::vector<InventoryItem> known;
  for (const auto& device : present) {
    for (const auto& entry : table) {
      if (entry.vendor_id == device.vendor_id && entry.product_id == device.product_id) {
        known.push_back({device, entry});
        break;
      }
    }
  }
  return known;
}

}  // namespace kiosk::drivers
