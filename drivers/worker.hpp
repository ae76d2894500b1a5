// Plumbing shared by the drivers: a worker thread with its own queue for a blocking library, and
// delivery of results to the application's executor.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "drivers/problem.hpp"

namespace kiosk::drivers::detail {

// A thread that runs the jobs posted to it, in order, until destroyed.
class WorkerThread {
 public:
  WorkerThread() : state_(std::make_unique<State>()) {
    State* state = state_.get();
    thread_ = std::thread([state] {
      state->context.run();
      state->finished.set_value();
    });
  }
  ~WorkerThread() { join(); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  template <typename F>
  void post(F&& job) {
    boost::asio::post(state_->context, std::forward<F>(job));
  }

  // Lets queued jobs finish, then ends the thread. Returns false when a job is still running
  // after `patience`: a library call that never returns (a hung device back-end). The thread is
  // then left to itself with its queue, never freed, so that shutdown cannot hang on it.
  bool join(std::chrono::milliseconds patience = std::chrono::hours(24)) {
    if (!thread_.joinable()) return true;
    state_->work.reset();
    if (state_->done.wait_for(patience) != std::future_status::ready) {
      thread_.detach();
      (void)state_.release();  // still in use by the abandoned thread
      return false;
    }
    thread_.join();
    return true;
  }

 private:
  struct State {
    boost::asio::io_context context;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        context.get_executor()};
    std::promise<void> finished;
    std::future<void> done = finished.get_future();
  };
  std::unique_ptr<State> state_;
  std::thread thread_;
};

// Calls `done(result)` later on `executor`.
template <typename T>
void deliver(const boost::asio::any_io_executor& executor, std::function<void(Result<T>)> done,
             Result<T> result) {
  boost::asio::post(executor, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

// Admits one operation at a time; the caller answers "busy" when try_begin fails.
class OneAtATime {
 public:
  bool try_begin() {
    bool expected = false;
    return busy_.compare_exchange_strong(expected, true);
  }
  void end() { busy_ = false; }

  // Admits the operation, or delivers ProblemCode::kBusy to `done` and returns false.
  template <typename T>
  bool admit(const boost::asio::any_io_executor& executor, std::function<void(Result<T>)>& done) {
    if (try_begin()) return true;
    deliver(executor, std::move(done),
            Result<T>(problem(ProblemCode::kBusy, "another operation is running")));
    return false;
  }

 private:
  std::atomic<bool> busy_{false};
};

}  // namespace kiosk::drivers::detail
