// What an accept loop does when accepting fails for want of resources (no file descriptor left in
// the process or the system, no buffer memory): it waits, 10 ms at first and doubling to 1 s,
// instead of retrying at once and spinning a core while the connection waits in the backlog; it
// logs once when it starts waiting and once when it accepts again, not once per failure.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "sync/net.hpp"

namespace kiosk::sync {

class AcceptPause {
 public:
  AcceptPause(std::shared_ptr<spdlog::logger> log, std::string what) : log_(std::move(log)), what_(std::move(what)) {}

  static bool out_of_resources(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
  }

  // After a failed accept: waits when the failure is for want of resources.
  asio::awaitable<void> after_failure(const boost::system::error_code& ec) {
    if (!out_of_resources(ec)) co_return;
    if (wait_ == std::chrono::milliseconds::zero()) {
      log_->error("{}: cannot accept connections ({}); waiting for descriptors to free up", what_, ec.message());
      wait_ = std::chrono::milliseconds(10);
    } else {
      wait_ = std::min(wait_ * 2, std::chrono::milliseconds(1000));
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, wait_);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  void after_success() {
    if (wait_ == std::chrono::milliseconds::zero()) return;
    log_->info("{}: accepting connections again", what_);
    wait_ = std::chrono::milliseconds::zero();
  }

 private:
  std::shared_ptr<spdlog::logger> log_;
  std::string what_;
  std::chrono::milliseconds wait_{0};
};

}  // namespace kiosk::sync
