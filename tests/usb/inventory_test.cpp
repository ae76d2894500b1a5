// The USB inventory: present devices matched against the shipped device table.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "drivers/usb/usb_monitor.hpp"

namespace kiosk::drivers {
namespace {

const auto kTable = config::load_device_table(KIOSK_SOURCE_DIR "/config/defaults/devices.json");

TEST(UsbInventory, KnownDevicesAreNamedUnknownOnesLeftOut) {
  const std::vector<UsbDevice> present = {
      {0x1d6b, 0x0002, 1, 1},  // a root hub: not ours
      {0x27c6, 0x5395, 1, 4},  // Goodix fingerprint sensor
      {0x04b8, 0x013a, 2, 3},  // Epson scanner
      {0x046d, 0x085e, 2, 7},  // Logitech camera
  };
  const auto known = match_inventory(present, kTable);
  ASSERT_EQ(known.size(), 3u);
  EXPECT_EQ(known[0].entry.device_class, config::DeviceClass::kFingerprint);
  EXPECT_EQ(known[0].device.address, 4);
  EXPECT_EQ(known[1].entry.device_class, config::DeviceClass::kScanner);
  EXPECT_EQ(known[2].entry.device_class, config::DeviceClass::kCamera);
}

TEST(UsbInventory, VendorAloneDoesNotMatch) {
  const auto known = match_inventory({{0x27c6, 0xffff, 1, 2}}, kTable);
  EXPECT_TRUE(known.empty());
}

TEST(UsbInventory, DescribesADeviceAsLsusbWould) {
  EXPECT_EQ(to_string(UsbDevice{0x27c6, 0x5395, 1, 4}), "27c6:5395 on bus 1 address 4");
}

}  // namespace
}  // namespace kiosk::drivers
