// USB devices as the application sees them: what is plugged in, which of it the kiosk knows from
// its device table, and arrivals and departures as they happen.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "config/config.hpp"
#include "drivers/problem.hpp"

namespace kiosk::drivers {

struct UsbDevice {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  std::uint8_t bus = 0;
  std::uint8_t address = 0;
};

std::string to_string(const UsbDevice& d);  // "27c6:5395 on bus 1 address 4"

struct InventoryItem {
  UsbDevice device;
  config::DeviceTableEntry entry;  // what the device table says it is
};

// The devices that the table knows, in the order found. Unknown devices are left out.
std::vector<InventoryItem> match_inventory(const std::vector<UsbDevice>& present,
                                           const std::vector<config::DeviceTableEntry>& table);

enum class UsbChange { kArrived, kLeft };

class UsbMonitor {
 public:
  virtual ~UsbMonitor() = default;
  virtual Result<std::vector<UsbDevice>> present() = 0;
  // Calls `handler` on the executor for every device that arrives or leaves from now on.
  virtual Result<void> watch(std::function<void(UsbChange, UsbDevice)> handler) = 0;
  // Resets the device's USB port, as unplugging and plugging it back would, without anyone
  // touching the cable: for a device that stopped answering. The kernel may enumerate it afresh,
  // at a new address (then it leaves and arrives again). Runs off the loop; `done` is posted to
  // the executor.
  virtual void reset_port(UsbDevice device, std::function<void(Result<void>)> done) = 0;
};

// The libusb back-end. Fails with a clear problem where the system has no USB (e.g. a container
// without usbfs) or libusb cannot report hot-plug events.
Result<std::unique_ptr<UsbMonitor>> make_libusb_monitor(boost::asio::any_io_executor executor);

}  // namespace kiosk::drivers
