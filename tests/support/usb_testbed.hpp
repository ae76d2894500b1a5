// umockdev playing the kernel's USB side for the tests that run under umockdev-wrapper: devices
// plugged in and out of a mock sysfs and /dev with their uevents, and the ioctls on a device's node
// answered by the test (a port reset that works or fails).
#pragma once

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace kiosk::testing {

// Runs `io` until `slot` is filled, iterating this thread's GLib main context as well: a port's
// ioctl handler (UsbTestbed::attach) answers there.
template <typename T>
bool run_with_port(boost::asio::io_context& io, const std::optional<T>& slot, std::chrono::milliseconds limit) {
  return run_until(io, [&] {
    g_main_context_iteration(nullptr, FALSE);
    return slot.has_value();
  }, limit);
}

class UsbTestbed {
 public:
  // What the test's port does with USBDEVFS_RESET: answer `reset_errno` (0: success), counted in
  // `resets`. Every other request (libusb asks for the node's capabilities) is not supported.
  struct Port {
    int reset_errno = 0;
    int resets = 0;
  };

  // Made before libusb starts, so that libusb's udev monitor listens to the testbed.
  UsbTestbed() : testbed_(umockdev_testbed_new()) {}
  ~UsbTestbed() { g_object_unref(testbed_); }
  UsbTestbed(const UsbTestbed&) = delete;
  UsbTestbed& operator=(const UsbTestbed&) = delete;

  static bool in_mock_environment() { return umockdev_in_mock_environment(); }

  // Adds a USB device to the mock sysfs and /dev, and tells udev listeners. Returns its sysfs path.
  std::string plug(std::uint16_t vendor, std::uint16_t product, int bus, int address) {
    char vid[8], pid[8], busnum[8], devnum[8];
    std::snprintf(vid, sizeof vid, "%04x\n", vendor);
    std::snprintf(pid, sizeof pid, "%04x\n", product);
    std::snprintf(busnum, sizeof busnum, "%d\n", bus);
    std::snprintf(devnum, sizeof devnum, "%d\n", address);
    const std::string node = node_of(bus, address);
    const std::string name = std::to_string(bus) + "-" + std::to_string(address);
    gchar* path = umockdev_testbed_add_device(
        testbed_, "usb", name.c_str(), nullptr, "busnum", busnum, "devnum", devnum, "idVendor",
        vid, "idProduct", pid, "speed", "480\n", nullptr, "DEVTYPE", "usb_device", "DEVNAME",
        node.c_str(), nullptr);
    auto bytes = descriptors(vendor, product);
    umockdev_testbed_set_attribute_binary(testbed_, path, "descriptors", bytes.data(), bytes.size());
    umockdev_testbed_uevent(testbed_, path, "add");
    std::string syspath = path;
    g_free(path);
    return syspath;
  }

  void unplug(const std::string& syspath) {
    umockdev_testbed_uevent(testbed_, syspath.c_str(), "remove");
    umockdev_testbed_remove_device(testbed_, syspath.c_str());
  }

  // The node of the device at bus/address gets `port` behind it: the ioctls done on it go to the
  // handler, which runs in the GLib main context of the caller's thread (iterate it while waiting).
  void attach(int bus, int address, Port& port) {
    const std::string node = node_of(bus, address);
    gchar* root = umockdev_testbed_get_root_dir(testbed_);  // ours to free
    const std::filesystem::path file = std::filesystem::path(root) / node.substr(1);
    g_free(root);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file).put('\0');
    UMockdevIoctlBase* handler = umockdev_ioctl_base_new();
    g_signal_connect(handler, "handle-ioctl", G_CALLBACK(&UsbTestbed::on_ioctl), &port);
    GError* error = nullptr;
    EXPECT_TRUE(umockdev_testbed_attach_ioctl(testbed_, node.c_str(), handler, &error))
        << (error ? error->message : "");
    if (error != nullptr) g_error_free(error);
    g_object_unref(handler);
  }

 private:
  static std::string node_of(int bus, int address) {
    char node[40];
    std::snprintf(node, sizeof node, "/dev/bus/usb/%03d/%03d", bus, address);
    return node;
  }

  // A device descriptor (18 bytes) and one empty configuration (9 bytes), as sysfs shows them.
  static std::array<std::uint8_t, 27> descriptors(std::uint16_t vendor, std::uint16_t product) {
    return {18, 1, 0x00, 0x02, 0, 0, 0, 64,
            static_cast<std::uint8_t>(vendor), static_cast<std::uint8_t>(vendor >> 8),
            static_cast<std::uint8_t>(product), static_cast<std::uint8_t>(product >> 8),
            0x00, 0x01, 0, 0, 0, 1,
            9, 2, 9, 0, 0, 1, 0, 0x80, 50};
  }

  static gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer data) {
    auto* port = static_cast<Port*>(data);
    if (umockdev_ioctl_client_get_request(client) == USBDEVFS_RESET) {
      ++port->resets;
      umockdev_ioctl_client_complete(client, port->reset_errno == 0 ? 0 : -1, port->reset_errno);
    } else {
      umockdev_ioctl_client_complete(client, -1, ENOTTY);
    }
    return TRUE;
  }

  UMockdevTestbed* testbed_;
};

}  // namespace kiosk::testing
