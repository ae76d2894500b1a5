// One HTTPS connection from the kiosk to the central office: TLS 1.3 only, the kiosk's client
// certificate, the office's CA pinned (the system's store is never consulted) and its host name
// verified; every request with its own deadline. The uploader and the office client use it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "sync/net.hpp"
#include "sync/packet.hpp"

namespace kiosk::sync {

struct OfficeEndpoint {
  std::string host = "localhost";  // verified against the office's certificate
  std::string port = "8443";
  std::filesystem::path office_ca;    // the only CA trusted for the office (pinned)
  std::filesystem::path certificate;  // the kiosk's client certificate
  std::filesystem::path key;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds io_timeout{30000};
};

// The TLS settings above as a context; the error names the file that is missing or bad.
Expected<std::shared_ptr<ssl::context>> make_office_tls(const OfficeEndpoint& endpoint);

using OfficeResponse = http::response<http::string_body>;

// The Host header for the endpoint: "host:port", without the port when it is 443.
std::string host_header(const OfficeEndpoint& endpoint);

class OfficeConnection {
 public:
  // Resolves, connects and shakes hands, each within the connect deadline.
  static asio::awaitable<Expected<std::unique_ptr<OfficeConnection>>> open(
      asio::any_io_executor executor, std::shared_ptr<ssl::context> tls,
      const OfficeEndpoint& endpoint);

  // Sends one request (Host and Tus-Resumable set here) and reads its answer, the deadline
  // re-armed for this request.
  asio::awaitable<Expected<OfficeResponse>> request(http::request<http::string_body> request);
  // Ends TLS politely, giving up after two seconds.
  asio::awaitable<void> close();

  OfficeConnection(std::shared_ptr<ssl::context> tls, TlsStream stream, OfficeEndpoint endpoint);

 private:
  std::shared_ptr<ssl::context> tls_;  // outlives the stream that uses it
  TlsStream stream_;
  OfficeEndpoint endpoint_;
};

}  // namespace kiosk::sync
