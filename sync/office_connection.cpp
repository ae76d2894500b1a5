// The kiosk's HTTPS connection to the central office; see office_connection.hpp.
#include "sync/office_connection.hpp"

#include <openssl/ssl.h>

#include "sync/tus.hpp"

namespace kiosk::sync {

Expected<std::shared_ptr<ssl::context>> make_office_tls(const OfficeEndpoint& e) {
  for (const auto& file : {e.office_ca, e.certificate, e.key}) {
    if (!std::filesystem::exists(file)) return std::unexpected(file.string() + " does not exist");
  }
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_3_VERSION);
  tls->set_verify_mode(ssl::verify_peer);
  tls->load_verify_file(e.office_ca.string(), ec);
  if (ec) return std::unexpected("office CA " + e.office_ca.string() + ": " + ec.message());
  tls->use_certificate_chain_file(e.certificate.string(), ec);
  if (ec) return std::unexpected("kiosk certificate " + e.certificate.string() + ": " + ec.message());
  tls->use_private_key_file(e.key.string(), ssl::context::pem, ec);
  if (ec) return std::unexpected("kiosk key " + e.key.string() + ": " + ec.message());
  return tls;
}

OfficeConnection::OfficeConnection(std::shared_ptr<ssl::context> tls, TlsStream stream,
                                   OfficeEndpoint endpoint)
    : tls_(std::move(tls)), stream_(std::move(stream)), endpoint_(std::move(endpoint)) {}

asio::awaitable<Expected<std::unique_ptr<OfficeConnection>>> OfficeConnection::open(
    asio::any_io_executor executor, std::shared_ptr<ssl::context> tls,
    const OfficeEndpoint& endpoint) {
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      endpoint.host, endpoint.port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return std::unexpected("cannot resolve " + endpoint.host + ": " + ec.message());
  TlsStream stream(executor, *tls);
  SSL_set_tlsext_host_name(stream.native_handle(), endpoint.host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(endpoint.host));
  beast::get_lowest_layer(stream).expires_after(endpoint.connect_timeout);
  co_await beast::get_lowest_layer(stream).async_connect(
      endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return std::unexpected("cannot connect to " + endpoint.host + ": " + ec.message());
  co_await stream.async_handshake(ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return std::unexpected("TLS with " + endpoint.host + " failed: " + ec.message());
  co_return std::make_unique<OfficeConnection>(std::move(tls), std::move(stream), endpoint);
}

std::string host_header(const OfficeEndpoint& endpoint) {
  // RFC 9110 7.2: the port unless it is the scheme's default; an IPv6 address in brackets.
  const std::string host = endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  return endpoint.port == "443" || endpoint.port == "https" ? host : host + ":" + endpoint.port;
}

asio::awaitable<Expected<OfficeResponse>> OfficeConnection::request(
    http::request<http::string_body> request) {
  beast::error_code ec;
  request.set(http::field::host, host_header(endpoint_));
  request.set("Tus-Resumable", tus::kVersion);
  request.prepare_payload();
  beast::get_lowest_layer(stream_).expires_after(endpoint_.io_timeout);
  co_await http::async_write(stream_, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return std::unexpected("sending " + std::string(request.method_string()) + ": " +
                              ec.message());
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  if (request.method() == http::verb::head) parser.skip(true);
  co_await http::async_read(stream_, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return std::unexpected("waiting for the office: " + ec.message());
  co_return parser.release();
}

asio::awaitable<void> OfficeConnection::close() {
  beast::error_code ec;
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
  co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace kiosk::sync
