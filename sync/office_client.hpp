// What the kiosk asks of the central office besides uploads: it reports its health (the
// heartbeat) and looks up an application's state by the tracking code on the receipt.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "sync/application_status.hpp"
#include "sync/config_bundle.hpp"
#include "sync/office_connection.hpp"

namespace kiosk::sync {

class OfficeClient {
 public:
  OfficeClient(asio::any_io_executor executor, OfficeEndpoint endpoint);
  // Loads the TLS identity; the error names the file.
  Expected<void> load();

  asio::awaitable<Expected<void>> heartbeat(nlohmann::json report);
  // The error says "unknown tracking code" when the office has no such application.
  asio::awaitable<Expected<ApplicationStatus>> application_status(std::string tracking_code);
  // The office's configuration bundle when it is newer than `current_version`, checked against
  // the office CA (see config_bundle.hpp); nullopt when the kiosk is up to date.
  asio::awaitable<Expected<std::optional<ConfigBundle>>> config_bundle(std::int64_t current_version);

 private:
  asio::awaitable<Expected<OfficeResponse>> ask(http::request<http::string_body> request);

  asio::any_io_executor executor_;
  OfficeEndpoint endpoint_;
  std::shared_ptr<ssl::context> tls_;
};

}  // namespace kiosk::sync
