// The kiosk's recovery of a device that stopped answering, on the real libusb and libfprint with
// umockdev playing the kernel: the fingerprint reader of the device table, plugged in on USB, has
// its port reset once a session and is opened again, and captures; a second failure in the same
// session, a reset the kernel refuses and a device that is not on USB are reported instead. A
// camera that went away is looked for by opening it: it is reported gone until it answers again.
// Runs under umockdev-wrapper (see tests/CMakeLists.txt).
#include <cstdlib>

#include <gtest/gtest.h>

#include "kiosk/device_recovery.hpp"
#include "sim/finger_feeder.hpp"
#include "sim/media.hpp"
#include "sim/fingerprint_synth.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/usb_testbed.hpp"

namespace kiosk::app {
namespace {

using namespace std::chrono_literals;
using config::DeviceClass;

class DeviceRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::UsbTestbed::in_mock_environment()) << "run this test under umockdev-wrapper";
    config_.usb.device_table = config::load_device_table(KIOSK_SOURCE_DIR "/config/defaults/devices.json");
    testbed_.plug(0x27c6, 0x5395, 1, 4);  // a Goodix reader of the device table
    testbed_.attach(1, 4, port_);
    devices_.fingerprint = drivers::make_libfprint_reader(io_.get_executor());
    auto usb = drivers::make_libusb_monitor(io_.get_executor());
    ASSERT_TRUE(usb.has_value()) << usb.error().message();
    devices_.usb = std::move(*usb);
    ASSERT_TRUE(testing::run_until(io_, [&] {
      const auto present = devices_.usb->present();
      return present && !present->empty();
    }, 5s)) << "libusb never saw the reader";
    std::optional<drivers::Result<drivers::FingerprintDeviceInfo>> opened;
    devices_.fingerprint->open("", [&](auto r) { opened = std::move(r); });
    ASSERT_TRUE(testing::run_until(io_, opened));
    ASSERT_TRUE(opened->has_value()) << opened->error().message();
  }

  // Runs the loop and the GLib context that answers the mock reader's port until `start` is done.
  std::string run(std::function<void(DeviceRecovery::Done)> start) {
    std::optional<std::string> failure;
    start([&](std::string why) { failure = std::move(why); });
    testing::run_with_port(io_, failure, 15s);
    return failure.value_or("the test gave up waiting");
  }

  std::string reopen(DeviceClass device) {
    return run([&](DeviceRecovery::Done done) { recovery_.reopen(device, std::move(done)); });
  }

  std::string reset_and_reopen(DeviceClass device) {
    return run([&](DeviceRecovery::Done done) { recovery_.reset_and_reopen(device, std::move(done)); });
  }

  // A finger laid on the reader (on the socket of its new opening) comes back as an image.
  void captures() {
    sim::FingerFeeder feeder(io_.get_executor(), socket_);
    std::optional<boost::system::error_code> connected;
    feeder.connect(5s, [&](auto ec) { connected = ec; });
    ASSERT_TRUE(testing::run_until(io_, connected));
    ASSERT_FALSE(*connected) << connected->message();
    const cv::Mat print = sim::synthesize_fingerprint(sim::FingerprintSpec{});
    devices_.fingerprint->on_event([&](drivers::FingerEvent e) {
      if (e != drivers::FingerEvent::kPlaceFinger) return;
      feeder.send_image(print.cols, print.rows, std::vector<std::uint8_t>(print.datastart, print.dataend), [](auto) {});
    });
    std::optional<drivers::Result<drivers::Image>> image;
    devices_.fingerprint->capture(10s, [&](auto r) { image = std::move(r); });
    ASSERT_TRUE(testing::run_until(io_, image, 15s));
    EXPECT_TRUE(image->has_value()) << image->error().message();
    devices_.fingerprint->on_event({});
  }

  // libfprint's virtual reader is chosen through the environment, which is set here, before the
  // testbed starts its threads: setenv() while another thread reads the environment can crash it
  // (seen once in CI as a segfault in this fixture's set-up).
  struct VirtualReader {
    explicit VirtualReader(const std::filesystem::path& socket) {
      setenv("FP_VIRTUAL_IMAGE", socket.c_str(), 1);
      setenv("FP_DRIVERS_WHITELIST", "virtual_image", 1);
    }
  };

  testing::ScratchDir scratch_;
  std::filesystem::path socket_ = scratch_ / "fp.sock";
  VirtualReader virtual_reader_{socket_};
  testing::UsbTestbed testbed_;  // made before libusb starts
  testing::UsbTestbed::Port port_;
  boost::asio::io_context io_;
  config::Config config_;
  Devices devices_;
  DeviceRecovery recovery_{io_.get_executor(), devices_, config_, 100ms};
};

TEST_F(DeviceRecoveryTest, ReaderOnUsbHasItsPortResetOnceASessionAndIsOpenedAgain) {
  EXPECT_EQ(reset_and_reopen(DeviceClass::kFingerprint), "");
  EXPECT_EQ(port_.resets, 1);
  captures();

  const std::string again = reset_and_reopen(DeviceClass::kFingerprint);
  EXPECT_NE(again.find("reset once already in this session"), std::string::npos) << again;
  EXPECT_EQ(port_.resets, 1);

  recovery_.new_session();
  port_.reset_errno = EIO;
  const std::string refused = reset_and_reopen(DeviceClass::kFingerprint);
  EXPECT_NE(refused.find("USB port reset of 27c6:5395 on bus 1 address 4 failed"), std::string::npos) << refused;
  EXPECT_EQ(port_.resets, 2);
}

TEST_F(DeviceRecoveryTest, DeviceThatIsNotOnUsbIsNotReset) {
  const std::string scanner = reset_and_reopen(DeviceClass::kScanner);
  EXPECT_NE(scanner.find("not on USB"), std::string::npos) << scanner;
  EXPECT_EQ(port_.resets, 0);
}

TEST_F(DeviceRecoveryTest, CameraThatWentAwayIsReportedUntilItAnswersAgain) {
  config_.camera.source = config::CameraSourceKind::kFile;
  config_.camera.location = (scratch_ / "camera.avi").string();
  devices_.camera = drivers::make_opencv_camera(io_.get_executor());
  EXPECT_NE(reopen(DeviceClass::kCamera), "") << "a camera that is not there was reported back";
  sim::write_mjpeg_video(config_.camera.location, 3, 15, [](int) { return cv::Mat(720, 1280, CV_8UC3, cv::Scalar(200, 200, 200)); });
  EXPECT_EQ(reopen(DeviceClass::kCamera), "");
}

}  // namespace
}  // namespace kiosk::app
