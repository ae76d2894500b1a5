// The kiosk's link to the central office; see sync_link.hpp.
#include "kiosk/sync_link.hpp"

#include "capture/finger/previous_prints.hpp"
#include "config/log.hpp"
#include "config/utc_text.hpp"
#include "sync/storage.hpp"

namespace kiosk::app {

sync::Expected<void> SyncLink::ready_for_applicant() const {
  if (!sealer) return std::unexpected(std::string("the kiosk cannot seal records (see its log)"));
  if (!outbox) return std::unexpected(std::string("the kiosk has no outbox (see its log)"));
  return outbox->admit();
}

namespace {

std::filesystem::path bundle_file(const config::Config& config) {
  return config.kiosk.state_dir / "config-bundle.cms";
}

}  // namespace

std::int64_t apply_stored_bundle(config::Config& config) {
  const auto file = bundle_file(config);
  if (!config.sync.enabled || !std::filesystem::exists(file)) return 0;
  auto log = log::get("sync");
  auto bytes = sync::storage::read_file(file);
  if (!bytes) {
    log->error("configuration bundle: {}", bytes.error());
    return 0;
  }
  auto bundle = sync::verify_bundle(*bytes, config.sync.office_ca);
  if (!bundle) {
    log->error("configuration bundle {} ignored: {}", file.string(), bundle.error());
    return 0;
  }
  try {
    config::apply_bundle(config, bundle->settings.dump(), file.string());
  } catch (const config::ConfigError& e) {
    log->error("configuration bundle ignored: {}", e.what());
    return 0;
  }
  log->info("running with the central office's configuration version {}", bundle->version);
  return bundle->version;
}

sync::Expected<void> install_bundle(const config::Config& config, const sync::ConfigBundle& bundle) {
  // Check that it applies before keeping it: a bundle this kiosk cannot use is refused whole.
  config::Config trial = config;
  try {
    config::apply_bundle(trial, bundle.settings.dump(), "configuration version " +
                                                            std::to_string(bundle.version));
  } catch (const config::ConfigError& e) {
    return std::unexpected(std::string(e.what()));
  }
  if (bundle.settings.contains("previous_prints")) {
    auto prints = finger::PreviousPrints::open(config.kiosk.state_dir / "kiosk.db",
                                               trial.fingerprint_rules.previous_prints_key);
    if (!prints) return std::unexpected(prints.error());
    std::vector<finger::PreviousPrints::Entry> entries;
    for (const auto& e : bundle.settings["previous_prints"].value("entries", nlohmann::json::array())) {
      int y = 0;
      unsigned m = 0, d = 0;
      const std::string date = e.value("date", "");
      if (std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) {
        return std::unexpected("previous prints: '" + date + "' is not a date");
      }
      entries.push_back({e.value("passport_id", ""),
                         std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(m),
                                                     std::chrono::day(d)}});
    }
    if (auto ok = prints->replace_all(entries); !ok) return ok;
  }
  return sync::storage::write_durably(bundle_file(config), bundle.signed_bytes);
}

nlohmann::json health_report(const config::Config& config, const SyncLink& link) {
  nlohmann::json report = {{"kiosk_id", config.kiosk.id},
                            {"version", KIOSK_VERSION},
                            {"can_seal", link.sealer.has_value()},
                            {"config_version", link.config_version},
                            {"devices", link.devices}};
  const DeliveryHistory& h = *link.history;
  report["last_delivery"] = h.last_delivery ? nlohmann::json(utc_text(*h.last_delivery)) : nlohmann::json(nullptr);
  report["last_failure"] = h.last_failure ? nlohmann::json{{"at", utc_text(h.last_failure->first)},
                                                           {"detail", h.last_failure->second}}
                                          : nlohmann::json(nullptr);
  if (link.outbox) {
    if (const auto status = link.outbox->status()) {
      nlohmann::json counts = nlohmann::json::object();
      for (const auto& [state, n] : status->count) counts[std::string(sync::to_string(state))] = n;
      report["outbox"] = {{"packets", counts},
                          {"bytes_waiting", status->bytes_waiting},
                          {"bytes_on_disk", status->bytes_on_disk}};
      if (status->oldest_waiting) {
        report["outbox"]["oldest_waiting_s"] =
            std::chrono::duration_cast<std::chrono::seconds>(sync::Clock::now() -
                                                             *status->oldest_waiting)
                .count();
      }
    }
    const auto ready = link.outbox->admit();
    report["accepting_applicants"] = ready.has_value();
    if (!ready) report["not_accepting_because"] = ready.error();
  }
  if (const auto free = sync::storage::free_bytes(config.kiosk.state_dir)) report["disk_free_bytes"] = *free;
  return report;
}

namespace {

sync::asio::awaitable<void> heartbeat_loop(const config::Config* config, SyncLink* link,
                                           std::shared_ptr<bool> running) {
  auto log = log::get("sync");
  sync::asio::steady_timer wait(co_await sync::asio::this_coro::executor);
  while (*running) {
    // Delivered packets leave the kiosk once the grace period has passed.
    if (link->outbox) {
      if (auto purged = link->outbox->purge(sync::Clock::now(), config->sync.purge_grace); !purged) {
        log->error("outbox: {}", purged.error());
      } else if (*purged > 0) {
        log->info("{} delivered packet(s) deleted from the kiosk", *purged);
      }
    }
    auto sent = co_await link->office->heartbeat(health_report(*config, *link));
    if (!*running) co_return;
    if (!sent) log->warn("heartbeat: {}", sent.error());
    auto bundle = co_await link->office->config_bundle(link->config_version);
    if (!*running) co_return;
    if (!bundle) {
      log->warn("configuration: {}", bundle.error());
    } else if (*bundle) {
      if (auto ok = install_bundle(*config, **bundle); !ok) {
        log->error("configuration version {} refused: {}", (*bundle)->version, ok.error());
      } else {
        link->config_version = (*bundle)->version;
        log->info("configuration version {} installed; its rules apply from the next start",
                  (*bundle)->version);
      }
    }
    wait.expires_after(config->sync.heartbeat);
    boost::system::error_code ec;
    co_await wait.async_wait(sync::asio::redirect_error(sync::asio::use_awaitable, ec));
  }
}

}  // namespace

sync::UploaderConfig uploader_config(const config::SyncSection& s) {
  sync::UploaderConfig u;
  u.office.host = s.office_host;
  u.office.port = std::to_string(s.office_port);
  u.office.office_ca = s.office_ca;
  u.office.certificate = s.certificate;
  u.office.key = s.key;
  u.chunk_bytes = s.chunk_bytes;
  u.bytes_per_second = s.bandwidth_bytes_per_second;
  return u;
}

SyncLink start_sync(const boost::asio::any_io_executor& executor, const config::Config& config) {
  SyncLink link;
  auto log = log::get("sync");
  const config::SyncSection& s = config.sync;
  if (!s.enabled) {
    log->warn("sync is disabled in {}: records cannot reach the central office",
              config.source.string());
    return link;
  }
  auto sealer = sync::Sealer::load(s.certificate, s.key, s.office_packet_certificate, config.kiosk.id);
  if (!sealer) {
    log->error("cannot seal records: {}{}", sealer.error(),
               config.simulation.enabled ? " (tools/make-sim-pki makes the simulation's set)" : "");
  } else {
    link.sealer = std::move(*sealer);
  }
  sync::OutboxLimits limits;
  limits.quota_bytes = s.outbox_quota_bytes;
  limits.reserve_bytes = s.disk_reserve_bytes;
  limits.applicant_bytes = s.applicant_bytes;
  auto outbox = sync::Outbox::open(config.kiosk.state_dir / "outbox", limits);
  if (!outbox) {
    log->error("outbox: {}", outbox.error());
    return link;
  }
  link.outbox = std::make_unique<sync::Outbox>(std::move(*outbox));
  if (const auto status = link.outbox->status(); status && status->oldest_waiting) {
    log->info("outbox: {} bytes waiting for the central office", status->bytes_waiting);
  }
  const sync::UploaderConfig u = uploader_config(s);
  link.office = std::make_unique<sync::OfficeClient>(executor, u.office);
  if (!link.office->load()) link.office.reset();
  link.uploader = std::make_unique<sync::Uploader>(executor, *link.outbox, u);
  if (auto ok = link.uploader->load(); !ok) {
    log->error("cannot reach the central office: {}", ok.error());
    link.uploader.reset();
    return link;
  }
  link.uploader->on_event([history = link.history](const sync::UploadEvent& e) {
    if (e.kind == sync::UploadEvent::Kind::kDelivered) {
      history->last_delivery = std::chrono::system_clock::now();
    } else {
      history->last_failure = std::pair{std::chrono::system_clock::now(), e.detail};
    }
  });
  link.uploader->start();
  log->info("sending to {}:{}", s.office_host, s.office_port);
  return link;
}

void start_heartbeat(const boost::asio::any_io_executor& executor, const config::Config& config,
                     SyncLink& link) {
  if (!link.office) return;
  sync::asio::co_spawn(executor, heartbeat_loop(&config, &link, link.running),
                       sync::asio::detached);
}

}  // namespace kiosk::app
