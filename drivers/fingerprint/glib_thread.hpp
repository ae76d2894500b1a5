// A thread that owns a GLib main context (as its thread-default) and runs its loop; work for it is
// queued with invoke(). libfprint's objects are created and used on this thread only.
#pragma once

#include <functional>
#include <thread>

#include <glib.h>

namespace kiosk::drivers::detail {

class GlibThread {
 public:
  // `setup` runs first on the new thread, `teardown` last, both with the context pushed.
  GlibThread(std::function<void()> setup, std::function<void()> teardown);
  ~GlibThread();  // runs teardown, stops the loop and joins
  GlibThread(const GlibThread&) = delete;
  GlibThread& operator=(const GlibThread&) = delete;

  // Queues `work` to run on the GLib thread.
  void invoke(std::function<void()> work);
  GMainContext* context() const { return context_; }

 private:
  GMainContext* context_;
  GMainLoop* loop_;
  std::function<void()> teardown_;
  std::thread thread_;
};

}  // namespace kiosk::drivers::detail
