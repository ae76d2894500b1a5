// The central office's HTTPS/tus endpoint; see office_server.hpp.
#include "sync/server/office_server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>


#include <nlohmann/json.hpp>

#include "config/log.hpp"
#include "config/utc_text.hpp"
#include "sync/tus.hpp"

namespace kiosk::sync {
namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

std::string http_date(Clock::time_point t) { return utc_text(t, "%a, %d %b %Y %H:%M:%S GMT"); }

std::string_view state_name(UploadInfo::State s) {
  switch (s) {
    case UploadInfo::State::kUploading: return "uploading";
    case UploadInfo::State::kReceived: return "received";
    case UploadInfo::State::kRejected: return "rejected";
  }
  return "unknown";
}

int status_of(StoreOutcome outcome) {
  switch (outcome) {
    case StoreOutcome::kOk: return 204;
    case StoreOutcome::kNotFound: return 404;
    case StoreOutcome::kGone: return 410;
    case StoreOutcome::kConflict: return 409;
    case StoreOutcome::kChecksumMismatch: return tus::kChecksumMismatch;
    case StoreOutcome::kRejected: return 422;
    case StoreOutcome::kTooLarge: return 413;
    case StoreOutcome::kFailed: return 500;
  }
  return 500;
}

std::string common_name_of_peer(TlsStream& stream) {
  X509* peer = SSL_get1_peer_certificate(stream.native_handle());
  if (peer == nullptr) return {};
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name);
  X509_free(peer);
  return name;
}

}  // namespace

struct OfficeServer::Impl : std::enable_shared_from_this<Impl> {
  asio::any_io_executor executor;
  OfficeServerConfig config;
  OfficeStore& store;
  ssl::context tls{ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<spdlog::logger> log = log::get("office");

  Impl(asio::any_io_executor e, OfficeServerConfig c, OfficeStore& s)
      : executor(e), config(std::move(c)), store(s), acceptor(e) {}

  Response reply(const Request& request, int status, std::string body = {}) {
    Response r{static_cast<http::status>(status), request.version()};
    r.set("Tus-Resumable", tus::kVersion);
    r.set(http::field::cache_control, "no-store");
    r.keep_alive(request.keep_alive());
    if (!body.empty()) {
      r.set(http::field::content_type, "text/plain; charset=utf-8");
      r.body() = std::move(body);
    }
    r.prepare_payload();
    return r;
  }

  void describe(Response& r, const UploadInfo& u) {
    r.set("Upload-Offset", std::to_string(u.offset));
    r.set("Upload-Length", std::to_string(u.length));
    r.set("X-Packet-State", std::string(state_name(u.state)));
    if (u.state == UploadInfo::State::kUploading) r.set("Upload-Expires", http_date(u.expires_at));
  }

  Response handle(const Request& request, const std::string& kiosk) {
    const std::string target(request.target());
    const auto method = request.method();
    if (target == "/files" && method == http::verb::options) {
      Response r = reply(request, 204);
      r.set("Tus-Version", tus::kVersion);
      r.set("Tus-Extension", tus::kExtensions);
      r.set("Tus-Checksum-Algorithm", tus::kChecksumAlgorithm);
      r.set("Tus-Max-Size", std::to_string(config.max_chunk_bytes));
      return r;
    }
    if (request["Tus-Resumable"] != tus::kVersion && target.starts_with("/files")) {
      Response r = reply(request, 412, "Tus-Resumable: 1.0.0 is required\n");
      r.set("Tus-Version", tus::kVersion);
      return r;
    }
    if (target == "/files" && method == http::verb::post) {
      const auto length = tus::parse_length(std_view(request["Upload-Length"]));
      const auto metadata = tus::decode_metadata(std_view(request["Upload-Metadata"]));
      if (!length || !metadata || !metadata->contains("packet_id") || !metadata->contains("sha256")) {
        return reply(request, 400, "Upload-Length and Upload-Metadata (packet_id, sha256) are needed\n");
      }
      StoreResult s = store.create(metadata->at("packet_id"), metadata->at("sha256"), *length, kiosk);
      if (s.outcome != StoreOutcome::kOk) return reply(request, status_of(s.outcome), s.message + "\n");
      log->info("{} packet {} from {} ({} bytes)", s.created ? "new" : "known", s.info.id, kiosk,
                s.info.length);
      Response r = reply(request, 201);
      r.set(http::field::location, "/files/" + s.info.id);
      describe(r, s.info);
      return r;
    }
    if (target.starts_with("/files/")) {
      const std::string id = target.substr(7);
      if (method == http::verb::head) {
        StoreResult s = store.head(id);
        if (s.outcome != StoreOutcome::kOk) return reply(request, status_of(s.outcome));
        if (s.info.kiosk != kiosk) return reply(request, 404);
        Response r = reply(request, 200);
        describe(r, s.info);
        return r;
      }
      if (method == http::verb::patch) {
        if (request[http::field::content_type] != tus::kOffsetStream) {
          return reply(request, 415, "Content-Type: application/offset+octet-stream is required\n");
        }
        const auto offset = tus::parse_length(std_view(request["Upload-Offset"]));
        if (!offset) return reply(request, 400, "Upload-Offset is required\n");
        std::optional<std::string> digest;
        if (const auto header = request["Upload-Checksum"]; !header.empty()) {
          digest = tus::checksum_digest(std_view(header));
          if (!digest) return reply(request, 400, "Upload-Checksum must be sha256 <base64>\n");
        }
        StoreResult s = store.append(id, kiosk, *offset, request.body(), digest);
        if (s.outcome == StoreOutcome::kRejected) {
          log->warn("packet {} from {} rejected: {}", id, kiosk, s.message);
        } else if (s.outcome == StoreOutcome::kOk && s.info.state == UploadInfo::State::kReceived) {
          log->info("packet {} from {} received and stored", id, kiosk);
        }
        Response r = reply(request, status_of(s.outcome),
                           s.outcome == StoreOutcome::kOk ? "" : s.message + "\n");
        if (!s.info.id.empty() && s.info.kiosk == kiosk) describe(r, s.info);
        return r;
      }
      return reply(request, 405);
    }
    if (target == "/config" && method == http::verb::get) {
      const auto bundle = store.bundle();
      const auto have = tus::parse_length(std_view(request["X-Config-Version"]));
      if (!bundle) return reply(request, 404, "no configuration bundle is published\n");
      if (have && *have >= static_cast<std::uint64_t>(bundle->version)) {
        Response r = reply(request, 304);
        r.set("X-Config-Version", std::to_string(bundle->version));
        return r;
      }
      Response r = reply(request, 200);
      r.set(http::field::content_type, "application/pkcs7-mime");
      r.set("X-Config-Version", std::to_string(bundle->version));
      r.body() = bundle->signed_bytes;
      r.prepare_payload();
      return r;
    }
    if (target == "/heartbeats" && method == http::verb::post) {
      if (request.body().size() > 65536 || !nlohmann::json::accept(request.body())) {
        return reply(request, 400, "a heartbeat is a JSON report of at most 64 KiB\n");
      }
      if (auto ok = store.record_heartbeat(kiosk, request.body()); !ok) {
        return reply(request, 500, ok.error() + "\n");
      }
      return reply(request, 204);
    }
    if (target.starts_with("/applications/") && method == http::verb::get) {
      const auto status = store.application(target.substr(14));
      if (!status) return reply(request, 404, "no application with this tracking code\n");
      Response r = reply(request, 200);
      r.set(http::field::content_type, "application/json");
      r.body() = nlohmann::json{{"tracking_code", status->tracking_code},
                                {"state", to_string(status->state)},
                                {"updated_at", status->updated_at}}
                     .dump();
      r.prepare_payload();
      return r;
    }
    if (target.starts_with("/packets/") && method == http::verb::get) {
      StoreResult s = store.head(target.substr(9));
      if (s.outcome == StoreOutcome::kFailed) return reply(request, 500);  // the index cannot say
      if (s.outcome == StoreOutcome::kNotFound || s.info.kiosk != kiosk) return reply(request, 404);
      Response r = reply(request, 200);
      r.set(http::field::content_type, "application/json");
      r.body() = nlohmann::json{{"packet_id", s.info.id},
                                {"state", state_name(s.info.state)},
                                {"offset", s.info.offset},
                                {"length", s.info.length},
                                {"error", s.info.error}}
                     .dump();
      r.prepare_payload();
      return r;
    }
    return reply(request, 404);
  }

  asio::awaitable<void> session(TlsStream stream) {
    auto self = shared_from_this();  // the connection may outlive the OfficeServer object
    beast::error_code ec;
    stream.next_layer().expires_after(config.handshake_timeout);
    co_await stream.async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      log->info("TLS handshake refused: {}", ec.message());
      co_return;
    }
    const std::string kiosk = common_name_of_peer(stream);
    beast::flat_buffer buffer;
    for (;;) {
      stream.next_layer().expires_after(config.request_timeout);
      http::request_parser<http::string_body> parser;
      parser.body_limit(config.max_chunk_bytes + 1024);
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // closed, timed out, or more than a chunk: the kiosk resumes from HEAD
      Request request = parser.release();
      Response response = handle(request, kiosk);
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !response.keep_alive()) break;
    }
    stream.next_layer().expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      beast::error_code ec;
      asio::ip::tcp::socket socket = co_await acceptor.async_accept(
          asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;
      asio::co_spawn(executor, session(TlsStream(beast::tcp_stream(std::move(socket)), tls)),
                     asio::detached);
    }
  }
};

OfficeServer::OfficeServer(asio::any_io_executor executor, OfficeServerConfig config,
                           OfficeStore& store)
    : impl_(std::make_shared<Impl>(executor, std::move(config), store)) {}

OfficeServer::~OfficeServer() { stop(); }

Expected<void> OfficeServer::start() {
  Impl& i = *impl_;
  for (const auto& file : {i.config.certificate, i.config.key, i.config.client_ca}) {
    if (!std::filesystem::exists(file)) return std::unexpected(file.string() + " does not exist");
  }
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(i.tls.native_handle(), TLS1_3_VERSION);
  i.tls.use_certificate_chain_file(i.config.certificate.string(), ec);
  if (ec) return std::unexpected("TLS certificate " + i.config.certificate.string() + ": " + ec.message());
  i.tls.use_private_key_file(i.config.key.string(), ssl::context::pem, ec);
  if (ec) return std::unexpected("TLS key " + i.config.key.string() + ": " + ec.message());
  i.tls.load_verify_file(i.config.client_ca.string(), ec);
  if (ec) return std::unexpected("kiosk CA " + i.config.client_ca.string() + ": " + ec.message());
  i.tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);

  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(i.config.address, ec), i.config.port);
  if (ec) return std::unexpected("address " + i.config.address + ": " + ec.message());
  i.acceptor.open(endpoint.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(endpoint, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return std::unexpected("cannot listen on " + i.config.address + ":" +
                           std::to_string(i.config.port) + ": " + ec.message());
  }
  i.log->info("listening on {}:{}", i.config.address, port());
  asio::co_spawn(i.executor, i.accept_loop(), asio::detached);
  return {};
}

unsigned short OfficeServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void OfficeServer::stop() {
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace kiosk::sync
