// The kiosk's link to the central office, made from the configuration: the sealer (the kiosk's
// key, the office's certificate), the outbox in the state folder, and the uploader that empties
// it in the background.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/any_io_executor.hpp>

#include "config/config.hpp"
#include "sync/office_client.hpp"
#include "sync/outbox.hpp"
#include "sync/packet.hpp"
#include "sync/uploader.hpp"

namespace kiosk::app {

// What the uploader last did, for the health report and technician mode.
struct DeliveryHistory {
  std::optional<std::chrono::system_clock::time_point> last_delivery;
  std::optional<std::pair<std::chrono::system_clock::time_point, std::string>> last_failure;
};

struct SyncLink {
  std::optional<sync::Sealer> sealer;
  std::unique_ptr<sync::Outbox> outbox;  // the uploader holds on to it: its address stays
  std::unique_ptr<sync::Uploader> uploader;
  std::unique_ptr<sync::OfficeClient> office;  // heartbeats, application status
  std::shared_ptr<bool> running = std::make_shared<bool>(true);  // the heartbeat loop's switch
  std::int64_t config_version = 0;  // of the office's bundle the kiosk runs with; 0: none
  std::shared_ptr<DeliveryHistory> history = std::make_shared<DeliveryHistory>();  // the uploader's events
  nlohmann::json devices = nullptr;  // each device as the start-up check found it; null until then

  // Whether an applicant can start: the kiosk can seal, and the outbox has room.
  sync::Expected<void> ready_for_applicant() const;
};

// The office's configuration bundle, kept in the state folder, checked again at every start and
// laid over the local configuration. Returns its version; 0 when there is none or it does not
// verify (logged).
std::int64_t apply_stored_bundle(config::Config& config);

// Installs a newer bundle: stored durably, its previous-prints list into the kiosk's database.
// Its rules apply from the next start.
sync::Expected<void> install_bundle(const config::Config& config, const sync::ConfigBundle& bundle);

// The health report sent with every heartbeat and shown in technician mode: kiosk id, version,
// the devices, outbox counts, bytes waiting and the oldest waiting packet, the last delivery and
// failure, free disk. Never applicant data.
nlohmann::json health_report(const config::Config& config, const SyncLink& link);

// The uploader's settings from the configuration's sync section: the office, its CA, the kiosk's
// certificate, chunk size and bandwidth cap.
sync::UploaderConfig uploader_config(const config::SyncSection& s);

// Opens the outbox, loads the keys and starts the uploader. What cannot be set up is logged and
// left empty; ready_for_applicant() then says why no applicant can start.
SyncLink start_sync(const boost::asio::any_io_executor& executor, const config::Config& config);

// Every sync.heartbeat, from now on: deletes delivered packets older than sync.purge_grace,
// reports the kiosk's health to the office and fetches a newer configuration bundle. `config` and `link`
// must stay where they are while the executor runs; `*link.running = false` ends it.
void start_heartbeat(const boost::asio::any_io_executor& executor, const config::Config& config,
                     SyncLink& link);

}  // namespace kiosk::app
