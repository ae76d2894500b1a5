// The kiosk's link to the central office; see sync_link.hpp.
#include "kiosk/sync_link.hpp"

#include "config/log.hpp"

namespace kiosk::app {

sync::Expected<void> SyncLink::ready_for_applicant() const {
  if (!sealer) return std::unexpected(std::string("the kiosk cannot seal records (see its log)"));
  if (!outbox) return std::unexpected(std::string("the kiosk has no outbox (see its log)"));
  return outbox->admit();
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
  sync::UploaderConfig u;
  u.office.host = s.office_host;
  u.office.port = std::to_string(s.office_port);
  u.office.office_ca = s.office_ca;
  u.office.certificate = s.certificate;
  u.office.key = s.key;
  u.chunk_bytes = s.chunk_bytes;
  u.bytes_per_second = s.bandwidth_bytes_per_second;
  link.uploader = std::make_unique<sync::Uploader>(executor, *link.outbox, u);
  if (auto ok = link.uploader->load(); !ok) {
    log->error("cannot reach the central office: {}", ok.error());
    link.uploader.reset();
    return link;
  }
  link.uploader->start();
  log->info("sending to {}:{}", s.office_host, s.office_port);
  return link;
}

}  // namespace kiosk::app
