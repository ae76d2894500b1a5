// The USB monitor on the real libusb, with umockdev playing the kernel: a fingerprint reader from
// the device table is plugged in and out, and the kiosk hears of both on its loop. Runs under
// umockdev-wrapper (see tests/CMakeLists.txt).
#include <cerrno>
#include <thread>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "drivers/usb/usb_monitor.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/usb_testbed.hpp"

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

class UsbHotplugTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::UsbTestbed::in_mock_environment()) << "run this test under umockdev-wrapper";
  }

  // Runs the loop and the GLib context that answers the mock device's ioctls.
  Result<void> reset(UsbMonitor& monitor, UsbDevice device) {
    std::optional<Result<void>> result;
    monitor.reset_port(device, [&](Result<void> r) { result = std::move(r); });
    testing::run_with_port(io_, result, 10s);
    return result ? *result : problem(ProblemCode::kTimeout, "the reset never ended");
  }

  testing::UsbTestbed testbed_;  // made before libusb starts
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

  const std::string reader = testbed_.plug(0x27c6, 0x5395, 1, 4);
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

  testbed_.unplug(reader);
  testing::run_until(io_, [&] { return changes.size() >= 2; }, 5s);
  ASSERT_EQ(changes.size(), 2u) << "no departure reported";
  EXPECT_EQ(changes[1].first, UsbChange::kLeft);
  EXPECT_EQ(changes[1].second.product_id, 0x5395);
}


// A device that stopped answering gets a port reset through usbfs (libusb_reset_device); a reset
// the kernel refuses, and a device no longer on the bus, come back as errors that say so.
TEST_F(UsbHotplugTest, PortResetReachesTheDeviceAndItsFailureIsReported) {
  testbed_.plug(0x27c6, 0x5395, 1, 4);
  testing::UsbTestbed::Port port;
  testbed_.attach(1, 4, port);
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
