// `kioskctl outbox status` and `kioskctl outbox retry ID...`: what waits to be sent to the central
// office, and "try this one now". Safe while the kiosk runs: it looks in without taking over.
#include <cstdio>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/utc_text.hpp"
#include "kiosk/kioskctl.hpp"
#include "sync/outbox.hpp"

namespace kiosk::ctl {
namespace {


std::string when(sync::Clock::time_point t) { return utc_text(t, "%Y-%m-%d %H:%M:%S UTC"); }

std::string mib(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

}  // namespace

int outbox(int argc, char** argv) {
  std::string config_file = kDefaultConfig;
  std::vector<std::string> ids;
  for (int i = 3; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--config" && i + 1 < argc) config_file = argv[++i];
    else if (a.starts_with("--")) {
      std::fprintf(stderr, "kioskctl: unknown option %s\n%s", argv[i], kUsage);
      return 2;
    } else ids.emplace_back(a);
  }
  const std::string_view command = argv[2];
  if ((command == "status" && !ids.empty()) || (command == "retry" && ids.empty())) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const auto config = load_config(config_file);
  if (!config) return 2;
  const std::filesystem::path dir = config->kiosk.state_dir / "outbox";
  const config::SyncSection& sync_config = config->sync;
  auto box = sync::Outbox::attach(dir);
  if (!box) {
    std::fprintf(stderr, "kioskctl: %s\n", box.error().c_str());
    return 1;
  }
  if (command == "retry") {
    int failures = 0;
    for (const std::string& id : ids) {
      if (auto ok = box->retry_now(id); !ok) {
        std::fprintf(stderr, "kioskctl: %s: not waiting to be sent (%s)\n", id.c_str(),
                     ok.error().c_str());
        ++failures;
      } else {
        std::printf("%s: will be sent at the next opportunity\n", id.c_str());
      }
    }
    return failures ? 1 : 0;
  }
  const auto status = box->status();
  const auto entries = box->list();
  if (!status || !entries) {
    std::fprintf(stderr, "kioskctl: %s\n", (!status ? status.error() : entries.error()).c_str());
    return 1;
  }
  std::printf("outbox %s\n", dir.c_str());
  for (auto state : {sync::PacketState::kSealed, sync::PacketState::kUploading,
                     sync::PacketState::kAcknowledged, sync::PacketState::kPurged}) {
    const auto n = status->count.contains(state) ? status->count.at(state) : 0;
    std::printf("  %-13.*s %d\n", static_cast<int>(sync::to_string(state).size()),
                sync::to_string(state).data(), n);
  }
  if (status->oldest_waiting) {
    std::printf("  waiting: %s, the oldest sealed %s\n", mib(status->bytes_waiting).c_str(),
                when(*status->oldest_waiting).c_str());
  } else {
    std::printf("  nothing waiting: every packet has reached the central office\n");
  }
  std::printf("  on disk: %s of a %s quota\n", mib(status->bytes_on_disk).c_str(),
              mib(sync_config.outbox_quota_bytes).c_str());
  for (const auto& e : *entries) {
    if (e.state != sync::PacketState::kSealed && e.state != sync::PacketState::kUploading) continue;
    std::printf("  %s  %-9.*s %s  %d failed attempt(s)%s%s\n", e.id.c_str(),
                static_cast<int>(sync::to_string(e.state).size()), sync::to_string(e.state).data(),
                mib(e.bytes).c_str(), e.attempts,
                e.last_error.empty() ? "" : ", last: ", e.last_error.c_str());
  }
  return 0;
}

}  // namespace kiosk::ctl
