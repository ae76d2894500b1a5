// The finger on libfprint's virtual_image reader: connects to the reader's Unix socket (which
// exists once the device is open) and sends images or scripted commands, as a person would touch.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

namespace kiosk::sim {

class FingerFeeder {
 public:
  using Done = std::function<void(boost::system::error_code)>;

  FingerFeeder(boost::asio::any_io_executor executor, std::filesystem::path socket);

  // Connects (again, after the reader was opened again), retrying until the reader's socket
  // accepts or `patience` runs out.
  void connect(std::chrono::milliseconds patience, Done done);
  bool connected() const { return socket_.is_open(); }

  // An 8-bit grey image, rows packed.
  void send_image(int width, int height, std::vector<std::uint8_t> pixels, Done done);
  // libfprint FpDeviceRetry code: 0 general, 1 too short, 2 centre finger, 3 remove finger.
  void send_retry(int code, Done done);
  // libfprint FpDeviceError code (0 general, 1 not supported, ... 5 protocol).
  void send_error(int code, Done done);
  // The reader disappears, as if unplugged.
  void send_removed(Done done);

 private:
  void send(std::vector<std::uint8_t> bytes, Done done);
  void try_connect(std::chrono::steady_clock::time_point give_up, Done done);

  boost::asio::local::stream_protocol::socket socket_;
  boost::asio::steady_timer retry_timer_;
  std::filesystem::path path_;
};

}  // namespace kiosk::sim
