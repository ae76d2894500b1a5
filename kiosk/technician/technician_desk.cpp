// Technician mode; see technician_desk.hpp.
#include "kiosk/technician/technician_desk.hpp"

#include "config/log.hpp"
#include "config/utc_text.hpp"

namespace kiosk::app {
namespace {

nlohmann::json device(const std::optional<std::string>& found) {
  return found ? nlohmann::json{{"ok", true}, {"detail", *found}} : nlohmann::json{{"ok", false}};
}

}  // namespace

TechnicianDesk::TechnicianDesk(const config::Config& config, SyncLink& link)
    : config_(config), link_(link), gate_(config.ui.technician_pin, config.kiosk.state_dir / "technician.json") {
  if (link_.uploader) {
    link_.uploader->on_event([this](const sync::UploadEvent& e) {
      if (e.kind == sync::UploadEvent::Kind::kDelivered) {
        last_delivery_ = std::chrono::system_clock::now();
      } else {
        last_failure_ = std::pair{std::chrono::system_clock::now(), e.detail};
      }
    });
  }
}

void TechnicianDesk::devices_checked(const DeviceCheckResult& result) { devices_ = result; }

nlohmann::json TechnicianDesk::status() const {
  nlohmann::json s = {{"health", health_report(config_, link_)}};
  if (devices_) {
    s["devices"] = {{"fingerprint", device(devices_->fingerprint)},
                    {"scanner", device(devices_->scanner)},
                    {"camera", device(devices_->camera)}};
  } else {
    s["devices"] = nullptr;  // still being checked
  }
  s["last_delivery"] = last_delivery_ ? nlohmann::json(utc_text(*last_delivery_)) : nlohmann::json(nullptr);
  s["last_failure"] = last_failure_ ? nlohmann::json{{"at", utc_text(last_failure_->first)}, {"detail", last_failure_->second}}
                                    : nlohmann::json(nullptr);
  return s;
}

nlohmann::json TechnicianDesk::diagnostics() const {
  nlohmann::json d = status();
  d["generated_at"] = utc_text(std::chrono::system_clock::now());
  // Settings a support engineer needs; paths to keys and certificates, not their contents.
  d["settings"] = {{"kiosk_id", config_.kiosk.id},
                   {"config_file", config_.source.string()},
                   {"simulation", config_.simulation.enabled},
                   {"scanner", {{"device", config_.scanner.device}, {"resolution_dpi", config_.scanner.resolution_dpi}}},
                   {"camera", {{"source", config::to_string(config_.camera.source)},
                               {"location", config_.camera.location},
                               {"width", config_.camera.width},
                               {"height", config_.camera.height}}},
                   {"office", {{"host", config_.sync.office_host}, {"port", config_.sync.office_port}}},
                   {"services", config_.services.services.size()}};
  return d;
}

TechnicianReply TechnicianDesk::handle(std::string_view method, std::string_view path, const nlohmann::json& body,
                                       std::string_view token) {
  const auto now = std::chrono::system_clock::now();
  if (method == "POST" && path == "open") {
    const std::string pin = body.is_object() ? body.value("pin", "") : "";
    auto opened = gate_.open(pin, now);
    if (opened) {
      log::get("technician")->info("technician mode opened");
      return {200, {{"token", *opened}}};
    }
    switch (opened.error().kind) {
      case GateRefusal::Kind::kNoPinSet: return {503, {{"refusal", "technician.no_pin"}}};
      case GateRefusal::Kind::kWrongPin:
        log::get("technician")->warn("wrong technician PIN; {} attempt(s) left", opened.error().attempts_left);
        return {401, {{"refusal", "technician.wrong_pin"}, {"attempts_left", opened.error().attempts_left}}};
      case GateRefusal::Kind::kLockedOut:
        log::get("technician")->warn("technician mode locked until {}", utc_text(opened.error().locked_until));
        return {423, {{"refusal", "technician.locked"}, {"locked_until", utc_text(opened.error().locked_until)}}};
    }
  }
  if (!gate_.admits(token, now)) return {401, {{"refusal", "technician.closed"}}};
  if (method == "GET" && path == "status") return {200, status()};
  if (method == "GET" && path == "diagnostics") return {200, diagnostics()};
  if (method == "POST" && path == "close") {
    gate_.close();
    return {200, {{"ok", true}}};
  }
  return {404, {{"refusal", "technician.unknown"}}};
}

}  // namespace kiosk::app
