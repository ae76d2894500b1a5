// GLib main-context thread: start, queue work, stop.
#include "drivers/fingerprint/glib_thread.hpp"

#include <future>

namespace kiosk::drivers::detail {
namespace {

gboolean run_work(gpointer data) {
  (*static_cast<std::function<void()>*>(data))();
  return G_SOURCE_REMOVE;
}

void free_work(gpointer data) { delete static_cast<std::function<void()>*>(data); }

}  // namespace

GlibThread::GlibThread(std::function<void()> setup, std::function<void()> teardown)
    : context_(g_main_context_ref(g_main_context_default())),
      loop_(g_main_loop_new(context_, FALSE)),
      teardown_(std::move(teardown)) {
  std::promise<void> started;
  auto started_future = started.get_future();
  thread_ = std::thread([this, setup = std::move(setup), &started] {
    g_main_context_acquire(context_);
    setup();
    started.set_value();
    g_main_loop_run(loop_);
    g_main_context_release(context_);
  });
  started_future.wait();
}

GlibThread::~GlibThread() {
  invoke([this] {
    teardown_();
    g_main_loop_quit(loop_);
  });
  thread_.join();
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

void GlibThread::invoke(std::function<void()> work) {
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, run_work, new std::function<void()>(std::move(work)), free_work);
  g_source_attach(source, context_);
  g_source_unref(source);
}

}  // namespace kiosk::drivers::detail
