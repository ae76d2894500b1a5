// The udev rules for the kiosk's group: one rule per device of the table, by vendor and product
// id; readers and scanners by their USB device node, cameras by their V4L2 node.
#include <gtest/gtest.h>

#include "drivers/usb/udev_rules.hpp"

namespace kiosk::drivers {
namespace {

TEST(UdevRules, EachDeviceOfTheTableAndNothingElse) {
  const std::vector<config::DeviceTableEntry> table = {
      {0x27c6, 0x5395, config::DeviceClass::kFingerprint, "Goodix"},
      {0x04a9, 0x1912, config::DeviceClass::kScanner, "CanoScan"},
      {0x046d, 0x085e, config::DeviceClass::kCamera, "BRIO"},
  };
  const std::string rules = udev_rules(table, "kiosk");
  EXPECT_NE(rules.find("SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"27c6\", "
                       "ATTR{idProduct}==\"5395\", GROUP=\"kiosk\", MODE=\"0660\"\n"),
            std::string::npos)
      << rules;
  EXPECT_NE(rules.find("ATTR{idVendor}==\"04a9\", ATTR{idProduct}==\"1912\", GROUP=\"kiosk\""), std::string::npos);
  EXPECT_NE(rules.find("SUBSYSTEM==\"video4linux\", ATTRS{idVendor}==\"046d\", ATTRS{idProduct}==\"085e\", "
                       "GROUP=\"kiosk\", MODE=\"0660\"\n"),
            std::string::npos)
      << rules;
  std::size_t lines = 0;
  for (std::size_t at = rules.find("\nSUBSYSTEM"); at != std::string::npos; at = rules.find("\nSUBSYSTEM", at + 1)) ++lines;
  EXPECT_EQ(lines, table.size());
  EXPECT_EQ(udev_rules({}, "kiosk").find("SUBSYSTEM"), std::string::npos) << "no table, no rule";
}

}  // namespace
}  // namespace kiosk::drivers
