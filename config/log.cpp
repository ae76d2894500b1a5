// Logging set-up: a sink shared by per-component spdlog loggers, writing to journald or stderr.
#include "config/log.hpp"

#include <sys/stat.h>
#include <syslog.h>

#include <cstdlib>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <systemd/sd-journal.h>

namespace kiosk::log {
namespace {

// Sends each record to the journal with the component as a structured field.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const int priority = [&] {
      switch (msg.level) {
        case spdlog::level::trace:
        case spdlog::level::debug: return LOG_DEBUG;
        case spdlog::level::info: return LOG_INFO;
        case spdlog::level::warn: return LOG_WARNING;
        case spdlog::level::err: return LOG_ERR;
        default: return LOG_CRIT;
      }
    }();
    const auto size = static_cast<int>(msg.payload.size());
    const auto name = static_cast<int>(msg.logger_name.size());
    sd_journal_send("MESSAGE=%.*s", size, msg.payload.data(), "PRIORITY=%d", priority,
                    "SYSLOG_IDENTIFIER=kiosk", "KIOSK_COMPONENT=%.*s", name,
                    msg.logger_name.data(), nullptr);
  }
  void flush_() override {}
};

// systemd sets JOURNAL_STREAM to "device:inode" of the stream stderr is connected to.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  const std::string expected =
      std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
      std::to_string(static_cast<unsigned long long>(st.st_ino));
  return expected == stream;
}

std::mutex g_mutex;
spdlog::sink_ptr g_sink;
spdlog::level::level_enum g_level = spdlog::level::info;

spdlog::sink_ptr sink_locked() {
  if (!g_sink) {
    if (stderr_is_journal()) {
      g_sink = std::make_shared<JournalSink>();
    } else {
      g_sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
      g_sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
    }
  }
  return g_sink;
}

}  // namespace

void init(const std::string& level) {
  std::lock_guard lock(g_mutex);
  g_level = spdlog::level::from_str(level);
  sink_locked();
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(g_level); });
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(component)) return existing;
  auto logger = std::make_shared<spdlog::logger>(component, sink_locked());
  logger->set_level(g_level);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace kiosk::log
