// The USB monitor on the real libusb, with umockdev playing the kernel: a fingerprint reader from
// the device table is plugged in and out, and the kiosk hears of both on its loop. Runs under
// umockdev-wrapper (see tests/CMakeLists.txt).
#include <umockdev.h>

#include <array>
#include <thread>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "drivers/usb/usb_monitor.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

// A device descriptor (18 bytes) and one empty configuration (9 bytes), as sysfs shows them.
std::array<std::uint8_t, 27> descriptors(std::uint16_t vendor, std::uint16_t product) {
  return {18, 1, 0x00, 0x02, 0, 0, 0, 64,
          static_cast<std::uint8_t>(vendor), static_cast<std::uint8_t>(vendor >> 8),
          static_cast<std::uint8_t>(product), static_cast<std::uint8_t>(product >> 8),
          0x00, 0x01, 0, 0, 0, 1,
          9, 2, 9, 0, 0, 1, 0, 0x80, 50};
}

class UsbHotplugTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testbed_ != nullptr);
    ASSERT_TRUE(umockdev_in_mock_environment()) << "run this test under umockdev-wrapper";
  }
  void TearDown() override { g_object_unref(testbed_); }

  // Adds a USB device to the mock sysfs and /dev, and tells udev listeners.
  std::string plug(std::uint16_t vendor, std::uint16_t product, int bus, int address) {
    char vid[8], pid[8], busnum[8], devnum[8], node[40];
    std::snprintf(vid, sizeof vid, "%04x\n", vendor);
    std::snprintf(pid, sizeof pid, "%04x\n", product);
    std::snprintf(busnum, sizeof busnum, "%d\n", bus);
    std::snprintf(devnum, sizeof devnum, "%d\n", address);
    std::snprintf(node, sizeof node, "/dev/bus/usb/%03d/%03d", bus, address);
    const std::string name = std::to_string(bus) + "-" + std::to_string(address);
    gchar* path = umockdev_testbed_add_device(
        testbed_, "usb", name.c_str(), nullptr, "busnum", busnum, "devnum", devnum, "idVendor",
        vid, "idProduct", pid, "speed", "480\n", nullptr, "DEVTYPE", "usb_device", "DEVNAME",
        node, nullptr);
    auto bytes = descriptors(vendor, product);
    umockdev_testbed_set_attribute_binary(testbed_, path, "descriptors", bytes.data(),
                                          bytes.size());
    umockdev_testbed_uevent(testbed_, path, "add");
    std::string syspath = path;
    g_free(path);
    return syspath;
  }

  void unplug(const std::string& syspath) {
    umockdev_testbed_uevent(testbed_, syspath.c_str(), "remove");
    umockdev_testbed_remove_device(testbed_, syspath.c_str());
  }

  // Made before libusb starts, so that libusb's udev monitor listens to the testbed.
  UMockdevTestbed* testbed_ = umockdev_testbed_new();
  boost::asio::io_context io_;
  const std::vector<config::DeviceTableEntry> table_ =
      config::load_device_table(KIOSK_SOURCE_DIR "/config/defaults/devices.json");
};

TEST_F(UsbHotplugTest, ReaderPluggedInAndOutIsReportedOnTheLoop) {
  auto monitor = make_libusb_monitor(io_.get_executor());
  ASSERT_TRUE(monitor.has_value()) << monitor.error().message();
  std::vector<std::pair<UsbChange, UsbDevice>> changes;
  const std::thread::id loop_thread = std::this_thread::get_id();
  ASSERT_TRUE((*monitor)->watch([&](UsbChange c, UsbDevice d) {
    EXPECT_EQ(std::this_thread::get_id(), loop_thread) << "hot-plug events are posted to the loop";
    changes.emplace_back(c, d);
  }).has_value());

  const std::string reader = plug(0x27c6, 0x5395, 1, 4);
  testing::run_until(io_, [&] { return !changes.empty(); }, 5s);
  ASSERT_EQ(changes.size(), 1u) << "no arrival reported";
  EXPECT_EQ(changes[0].first, UsbChange::kArrived);
  EXPECT_EQ(changes[0].second.vendor_id, 0x27c6);
  EXPECT_EQ(changes[0].second.product_id, 0x5395);
  EXPECT_EQ(changes[0].second.bus, 1);
  EXPECT_EQ(changes[0].second.address, 4);

  // The inventory, through libusb's device list, knows it from the device table.
  const auto present = (*monitor)->present();
  ASSERT_TRUE(present.has_value());
  const auto known = match_inventory(*present, table_);
  ASSERT_EQ(known.size(), 1u);
  EXPECT_EQ(known[0].entry.device_class, config::DeviceClass::kFingerprint);

  unplug(reader);
  testing::run_until(io_, [&] { return changes.size() >= 2; }, 5s);
  ASSERT_EQ(changes.size(), 2u) << "no departure reported";
  EXPECT_EQ(changes[1].first, UsbChange::kLeft);
  EXPECT_EQ(changes[1].second.product_id, 0x5395);
}

}  // namespace
}  // namespace kiosk::drivers
