// Heartbeats and application status; see office_client.hpp.
#include "sync/office_client.hpp"

namespace kiosk::sync {

OfficeClient::OfficeClient(asio::any_io_executor executor, OfficeEndpoint endpoint)
    : executor_(std::move(executor)), endpoint_(std::move(endpoint)) {}

Expected<void> OfficeClient::load() {
  auto tls = make_office_tls(endpoint_);
  if (!tls) return std::unexpected(tls.error());
  tls_ = std::move(*tls);
  return {};
}

asio::awaitable<Expected<OfficeResponse>> OfficeClient::ask(http::request<http::string_body> request) {
  if (!tls_) co_return std::unexpected(std::string("the office client is not loaded"));
  auto connection = co_await OfficeConnection::open(executor_, tls_, endpoint_);
  if (!connection) co_return std::unexpected(connection.error());
  auto response = co_await (*connection)->request(std::move(request));
  co_await (*connection)->close();
  co_return response;
}

asio::awaitable<Expected<void>> OfficeClient::heartbeat(nlohmann::json report) {
  http::request<http::string_body> request{http::verb::post, "/heartbeats", 11};
  request.set(http::field::content_type, "application/json");
  request.body() = report.dump();
  auto response = co_await ask(std::move(request));
  if (!response) co_return std::unexpected(response.error());
  if (response->result_int() != 204) {
    co_return std::unexpected("the office refused the heartbeat: HTTP " +
                              std::to_string(response->result_int()));
  }
  co_return Expected<void>();
}

asio::awaitable<Expected<ApplicationStatus>> OfficeClient::application_status(
    std::string tracking_code) {
  // Tracking codes are letters and digits: nothing else goes into the request line.
  if (tracking_code.empty() || tracking_code.size() > 32 ||
      tracking_code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != std::string::npos) {
    co_return std::unexpected(std::string("not a tracking code"));
  }
  auto response = co_await ask({http::verb::get, "/applications/" + tracking_code, 11});
  if (!response) co_return std::unexpected(response.error());
  if (response->result_int() == 404) co_return std::unexpected(std::string("unknown tracking code"));
  const auto json = nlohmann::json::parse(response->body(), nullptr, false);
  if (response->result_int() != 200 || !json.is_object()) {
    co_return std::unexpected("the office could not answer: HTTP " +
                              std::to_string(response->result_int()));
  }
  const auto state = application_state(json.value("state", ""));
  if (!state) co_return std::unexpected("the office answered an unknown state " + json.value("state", ""));
  co_return ApplicationStatus{tracking_code, *state, json.value("updated_at", "")};
}

asio::awaitable<Expected<std::optional<ConfigBundle>>> OfficeClient::config_bundle(
    std::int64_t current_version) {
  http::request<http::string_body> request{http::verb::get, "/config", 11};
  request.set("X-Config-Version", std::to_string(current_version));
  auto response = co_await ask(std::move(request));
  if (!response) co_return std::unexpected(response.error());
  if (response->result_int() == 304 || response->result_int() == 404) {
    co_return std::optional<ConfigBundle>();
  }
  if (response->result_int() != 200) {
    co_return std::unexpected("the office could not send its configuration: HTTP " +
                              std::to_string(response->result_int()));
  }
  auto bundle = verify_bundle(response->body(), endpoint_.office_ca);
  if (!bundle) co_return std::unexpected(bundle.error());
  if (bundle->version <= current_version) {
    co_return std::unexpected("the office sent configuration version " +
                              std::to_string(bundle->version) + ", not newer than " +
                              std::to_string(current_version));
  }
  co_return std::optional(std::move(*bundle));
}

}  // namespace kiosk::sync
