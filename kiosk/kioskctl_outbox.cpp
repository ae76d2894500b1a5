// `kioskctl outbox status`, `kioskctl outbox retry ID...` and `kioskctl outbox send [ID...]`: what
// waits to be sent to the central office, "try this one now", and "send it now, from here". Safe
// while the kiosk runs: status and retry look in without taking over; send uploads as the kiosk
// would (the office lets one writer at a time into an upload, and the other resumes after it).
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/utc_text.hpp"
#include "kiosk/kioskctl.hpp"
#include "kiosk/sync_link.hpp"
#include "sync/outbox.hpp"
#include "sync/uploader.hpp"

namespace kiosk::ctl {
namespace {


std::string when(sync::Clock::time_point t) { return utc_text(t, "%Y-%m-%d %H:%M:%S UTC"); }

std::string mib(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

// Sends each waiting packet (or those named) once, in the order they were sealed.
int send_now(sync::Outbox& box, const config::SyncSection& settings, const std::vector<std::string>& ids) {
  const auto entries = box.list();
  if (!entries) {
    std::fprintf(stderr, "kioskctl: %s\n", entries.error().c_str());
    return 1;
  }
  std::vector<sync::OutboxEntry> chosen;
  for (const std::string& id : ids) {
    const auto it = std::ranges::find(*entries, id, &sync::OutboxEntry::id);
    if (it == entries->end()) {
      std::fprintf(stderr, "kioskctl: %s: no such packet in the outbox\n", id.c_str());
      return 1;
    }
    chosen.push_back(*it);
  }
  if (ids.empty()) {
    for (const auto& e : *entries) {
      if (e.state == sync::PacketState::kSealed || e.state == sync::PacketState::kUploading) chosen.push_back(e);
    }
  }
  if (chosen.empty()) {
    std::printf("nothing waiting: every packet has reached the central office\n");
    return 0;
  }
  sync::asio::io_context io;
  sync::Uploader uploader(io.get_executor(), box, app::uploader_config(settings));
  if (auto ok = uploader.load(); !ok) {
    std::fprintf(stderr, "kioskctl: %s\n", ok.error().c_str());
    return 1;
  }
  std::printf("sending %zu packet(s) to %s:%d\n", chosen.size(), settings.office_host.c_str(),
              settings.office_port);
  int failures = 0;
  for (const auto& entry : chosen) {
    if (entry.state != sync::PacketState::kSealed && entry.state != sync::PacketState::kUploading) {
      std::printf("  %s: already delivered\n", entry.id.c_str());
      continue;
    }
    std::printf("  %s (%s) ...", entry.id.c_str(), mib(entry.bytes).c_str());
    std::fflush(stdout);
    std::optional<sync::Expected<void>> result;
    sync::asio::co_spawn(io, uploader.send(entry), [&](std::exception_ptr e, sync::Expected<void> r) {
      result = e ? sync::Expected<void>(std::unexpected(std::string("the upload failed unexpectedly"))) : std::move(r);
    });
    io.restart();
    io.run();
    if (result && *result) {
      std::printf(" delivered\n");
    } else {
      std::printf(" not delivered: %s\n", result ? result->error().c_str() : "the upload did not end");
      ++failures;
    }
  }
  return failures ? 1 : 0;
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
  if (command == "send") return send_now(*box, sync_config, ids);
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
