// A thread that owns GLib's global default main context and runs its loop; work for it is queued
// with invoke(). libfprint's objects are created and used on this thread only.
//
// Why the global default context and not a private one: libfprint 1.94.5 (Debian 12) attaches its
// device timeouts with g_source_attach(source, NULL), i.e. to the global default context, whatever
// context the caller pushed. A private context would never run them (an open never completes). So
// at most one GlibThread may exist in a process at a time, and nothing else may iterate the
// default context.
#pragma once

#include <functional>
#include <thread>

#include <glib.h>

namespace kiosk::drivers::detail {

class GlibThread {
 public:
  // `setup` runs first on the new thread, `teardown` last, both on the loop's thread.
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
