// virtual_image socket protocol: two native-endian int32 (width, height) then width*height grey
// bytes; a negative first int is a command (-1 retry, -2 error, -5 removed) with its argument.
#include "sim/finger_feeder.hpp"

#include <cstring>

#include <boost/asio/write.hpp>

namespace kiosk::sim {
namespace {

std::vector<std::uint8_t> header(std::int32_t a, std::int32_t b) {
  std::vector<std::uint8_t> bytes(8);
  std::memcpy(bytes.data(), &a, 4);
  std::memcpy(bytes.data() + 4, &b, 4);
  return bytes;
}

}  // namespace

FingerFeeder::FingerFeeder(boost::asio::any_io_executor executor, std::filesystem::path socket)
    : socket_(executor), retry_timer_(executor), path_(std::move(socket)) {}

void FingerFeeder::connect(std::chrono::milliseconds patience, Done done) {
  if (socket_.is_open()) socket_.close();  // a reader opened again listens afresh
  try_connect(std::chrono::steady_clock::now() + patience, std::move(done));
}

void FingerFeeder::try_connect(std::chrono::steady_clock::time_point give_up, Done done) {
  socket_.async_connect(
      boost::asio::local::stream_protocol::endpoint(path_.string()),
      [this, give_up, done = std::move(done)](boost::system::error_code ec) mutable {
        if (!ec || std::chrono::steady_clock::now() >= give_up) {
          done(ec);
          return;
        }
        socket_.close();  // the reader is not listening yet: try again shortly
        retry_timer_.expires_after(std::chrono::milliseconds(20));
        retry_timer_.async_wait([this, give_up, done = std::move(done)](auto) mutable {
          try_connect(give_up, std::move(done));
        });
      });
}

void FingerFeeder::send_image(int width, int height, std::vector<std::uint8_t> pixels, Done done) {
  std::vector<std::uint8_t> bytes = header(width, height);
  bytes.insert(bytes.end(), pixels.begin(), pixels.end());
  send(std::move(bytes), std::move(done));
}

void FingerFeeder::send_retry(int code, Done done) { send(header(-1, code), std::move(done)); }
void FingerFeeder::send_error(int code, Done done) { send(header(-2, code), std::move(done)); }
void FingerFeeder::send_removed(Done done) { send(header(-5, 0), std::move(done)); }

void FingerFeeder::send(std::vector<std::uint8_t> bytes, Done done) {
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
  boost::asio::async_write(socket_, boost::asio::buffer(*buffer),
                           [buffer, done = std::move(done)](boost::system::error_code ec,
                                                            std::size_t) { done(ec); });
}

}  // namespace kiosk::sim
