// Technician mode behind the PIN (technician_gate.hpp), as the screen server's /api/technician/
// routes:
//   POST /api/technician/open      {"pin": "..."}: 200 {"token"}; 401 {"refusal", "attempts_left"};
//                                  423 {"refusal", "locked_until"}; 503 when no PIN is configured
//   GET  /api/technician/status    the devices as the start-up check found them, the outbox and
//                                  the link to the central office (health_report), the last
//                                  delivery and the last failure
//   GET  /api/technician/diagnostics  the same with the kiosk's settings, for a support ticket:
//                                  never applicant data, never a key
//   POST /api/technician/close
// Every route but open needs the session's token in X-Technician-Token (401 without it).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "kiosk/device_check.hpp"
#include "kiosk/sync_link.hpp"
#include "kiosk/technician/technician_gate.hpp"

namespace kiosk::app {

struct TechnicianReply {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
};

class TechnicianDesk {
 public:
  // The configuration and the link must outlive the desk.
  TechnicianDesk(const config::Config& config, SyncLink& link);

  void devices_checked(const DeviceCheckResult& result);
  TechnicianReply handle(std::string_view method, std::string_view path, const nlohmann::json& body,
                         std::string_view token);

 private:
  nlohmann::json status() const;
  nlohmann::json diagnostics() const;

  const config::Config& config_;
  SyncLink& link_;
  TechnicianGate gate_;
  std::optional<DeviceCheckResult> devices_;
  std::optional<std::chrono::system_clock::time_point> last_delivery_;
  std::optional<std::pair<std::chrono::system_clock::time_point, std::string>> last_failure_;
};

}  // namespace kiosk::app
