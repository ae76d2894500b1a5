// The USB monitor on the real libusb, with umockdev playing the kernel: a fingerprint reader from
// the device table is plugged in and out, and the kiosk hears of both on its loop. Runs under
// umockdev-wrapper (see tests/CMakeLists.txt).
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
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

  // Answers the ioctls on a device's node: USBDEVFS_RESET with `reset_errno` (0: success), counted
  // in `resets`; every other request (libusb asks for the node's capabilities) is not supported.
  struct Port {
    int reset_errno = 0;
    int resets = 0;
  };
  void attach(const std::string& node, Port& port) {
    // The node itself, in the testbed's /dev: the handler answers what is done on it.
    const std::filesystem::path file = std::filesystem::path(umockdev_testbed_get_root_dir(testbed_)) / node.substr(1);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file).put('\0');
    UMockdevIoctlBase* handler = umockdev_ioctl_base_new();
    g_signal_connect(handler, "handle-ioctl", G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer data) -> gboolean {
      auto* p = static_cast<Port*>(data);
      if (umockdev_ioctl_client_get_request(client) == USBDEVFS_RESET) {
        ++p->resets;
        umockdev_ioctl_client_complete(client, p->reset_errno == 0 ? 0 : -1, p->reset_errno);
      } else {
        umockdev_ioctl_client_complete(client, -1, ENOTTY);
      }
      return TRUE;
    }), &port);
    GError* error = nullptr;
    ASSERT_TRUE(umockdev_testbed_attach_ioctl(testbed_, node.c_str(), handler, &error))
        << (error ? error->message : "");
    g_object_unref(handler);
  }

  // Runs the loop and the GLib context that answers the mock device's ioctls.
  Result<void> reset(UsbMonitor& monitor, UsbDevice device) {
    std::optional<Result<void>> result;
    monitor.reset_port(device, [&](Result<void> r) { result = std::move(r); });
    testing::run_until(io_, [&] {
      g_main_context_iteration(nullptr, FALSE);
      return result.has_value();
    }, 10s);
    return result ? *result : problem(ProblemCode::kTimeout, "the reset never ended");
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


// A device that stopped answering gets a port reset through usbfs (libusb_reset_device); a reset
// the kernel refuses, and a device no longer on the bus, come back as errors that say so.
TEST_F(UsbHotplugTest, PortResetReachesTheDeviceAndItsFailureIsReported) {
  plug(0x27c6, 0x5395, 1, 4);
  Port port;
  attach("/dev/bus/usb/001/004", port);
  auto monitor = make_libusb_monitor(io_.get_executor());
  ASSERT_TRUE(monitor.has_value()) << monitor.error().message();
  const auto listed = [&] {
    const auto present = (*monitor)->present();
    return present && match_inventory(*present, table_).size() == 1;
  };
  ASSERT_TRUE(testing::run_until(io_, listed, 5s)) << "libusb never saw the reader";
  const UsbDevice reader{.vendor_id = 0x27c6, .product_id = 0x5395, .bus = 1, .address = 4};

  const Result<void> done = reset(**monitor, reader);
  EXPECT_TRUE(done.has_value()) << done.error().message();
  EXPECT_EQ(port.resets, 1);

  port.reset_errno = EIO;
  const Result<void> refused = reset(**monitor, reader);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(port.resets, 2);
  EXPECT_EQ(refused.error().code, ProblemCode::kIo);
  EXPECT_NE(refused.error().detail.find("reset of 27c6:5395 on bus 1 address 4 failed"), std::string::npos)
      << refused.error().detail;

  const Result<void> gone = reset(**monitor, UsbDevice{.vendor_id = 0x27c6, .product_id = 0x5395, .bus = 1, .address = 9});
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ProblemCode::kRemoved) << gone.error().message();
  EXPECT_EQ(port.resets, 2);
}

}  // namespace
}  // namespace kiosk::drivers
