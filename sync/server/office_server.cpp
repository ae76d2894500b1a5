// The central office's HTTPS/tus endpoint; see office_server.hpp.
#include "sync/server/office_server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <limits>


#include <nlohmann/json.hpp>

#include "config/log.hpp"
#include "config/utc_text.hpp"
#include "sync/accept_pause.hpp"
#include "sync/tus.hpp"

namespace kiosk::sync {
namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// The largest body of a request other than PATCH (a heartbeat, an announcement): read whole.
constexpr std::uint64_t kMaxSmallBody = 1 << 20;
// A PATCH body is read and written to disk in pieces of this size.
constexpr std::size_t kPieceBytes = 256 * 1024;
// A refused request's unread body is read away up to this much, so that the client, still
// sending, sees the answer instead of a reset connection; beyond it the connection is closed.
constexpr std::uint64_t kMaxDrain = 1 << 20;
constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

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
    case StoreOutcome::kLocked: return 423;
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

  // `request`: any request message (its body not read yet, or read whole).
  template <typename Message>
  Response reply(const Message& request, int status, std::string body = {}) {
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

  // A tus request without Tus-Resumable: 1.0.0 is answered 412 (OPTIONS is exempt).
  template <typename Message>
  std::optional<Response> without_tus_version(const Message& request) {
    if (request["Tus-Resumable"] == tus::kVersion || !request.target().starts_with("/files")) {
      return std::nullopt;
    }
    Response r = reply(request, 412, "Tus-Resumable: 1.0.0 is required\n");
    r.set("Tus-Version", tus::kVersion);
    return r;
  }

  // The answer to a chunk, with the upload's state when it is this kiosk's.
  template <typename Message>
  Response chunk_answer(const Message& request, const StoreResult& s, const std::string& id,
                        const std::string& kiosk) {
    if (s.outcome == StoreOutcome::kRejected) {
      log->warn("packet {} from {} rejected: {}", id, kiosk, s.message);
    } else if (s.outcome == StoreOutcome::kOk && s.info.state == UploadInfo::State::kReceived) {
      log->info("packet {} from {} received and stored", id, kiosk);
    }
    Response r = reply(request, status_of(s.outcome), s.outcome == StoreOutcome::kOk ? "" : s.message + "\n");
    if (!s.info.id.empty() && s.info.kiosk == kiosk) describe(r, s.info);
    return r;
  }

  // A PATCH: checked on its headers, then its body written to the upload as it arrives, never
  // held whole. `body_read` says whether the body was consumed (else the connection must close).
  asio::awaitable<Response> patch(TlsStream& stream, beast::flat_buffer& buffer,
                                  http::request_parser<http::empty_body>& header,
                                  const std::string& kiosk, bool& body_read) {
    const auto& request = header.get();  // until the body is read, then body.get()
    const std::string id = std::string(request.target()).substr(7);
    body_read = false;
    if (auto refused = without_tus_version(request)) co_return std::move(*refused);
    if (request[http::field::content_type] != tus::kOffsetStream) {
      co_return reply(request, 415, "Content-Type: application/offset+octet-stream is required\n");
    }
    const auto offset = tus::parse_length(std_view(request["Upload-Offset"]));
    if (!offset) co_return reply(request, 400, "Upload-Offset is required\n");
    std::optional<std::string> digest;
    if (const auto value = request["Upload-Checksum"]; !value.empty()) {
      digest = tus::checksum_digest(std_view(value));
      if (!digest) co_return reply(request, 400, "Upload-Checksum must be sha256 <base64>\n");
    }
    ChunkWriter writer;
    if (StoreResult s = store.begin_chunk(id, kiosk, *offset, writer); s.outcome != StoreOutcome::kOk) {
      co_return chunk_answer(request, s, id, kiosk);
    }
    if (const auto length = header.content_length(); length && *length > writer.room()) {
      co_return reply(request, 413, "the chunk runs past the announced length (" +
                                        std::to_string(writer.room()) + " bytes remain)\n");
    }
    beast::error_code ec;
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, request.version()};
      co_await http::async_write(stream, go_on, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return reply(request, 400);
    }
    http::request_parser<http::buffer_body> body{std::move(header)};
    body.body_limit(kNoLimit);  // bounded by the upload's length, checked piece by piece
    StoreResult wrote{StoreOutcome::kOk, "", {}, false};
    ec = co_await read_pieces(stream, buffer, body, [&](std::string_view piece) {
      if (wrote.outcome == StoreOutcome::kOk) wrote = writer.write(piece);
    });
    if (ec) {
      // Cut mid-chunk: without a checksum to check, what arrived is kept (tus asks the server
      // to store as much as it can); the client's HEAD finds the new offset.
      if (!digest && wrote.outcome == StoreOutcome::kOk) (void)store.keep_partial(writer);
      throw boost::system::system_error(ec);
    }
    body_read = true;
    if (wrote.outcome != StoreOutcome::kOk) co_return chunk_answer(body.get(), wrote, id, kiosk);
    co_return chunk_answer(body.get(), store.finish_chunk(writer, digest), id, kiosk);
  }

  // Reads away a refused request's body, up to kMaxDrain; true when all of it was read.
  asio::awaitable<bool> drain(TlsStream& stream, beast::flat_buffer& buffer,
                              http::request_parser<http::empty_body>& header) {
    const auto length = header.content_length();
    if (header.is_done()) co_return true;
    if (!length || *length > kMaxDrain || beast::iequals(header.get()[http::field::expect], "100-continue")) {
      co_return false;
    }
    http::request_parser<http::buffer_body> body{std::move(header)};
    co_return !(co_await read_pieces(stream, buffer, body, [](std::string_view) {}));
  }

  // Reads the rest of `body`'s message in pieces of kPieceBytes, handing each to `take`, the
  // deadline re-armed per piece; the error that ended it early, if any.
  template <typename Take>
  asio::awaitable<beast::error_code> read_pieces(TlsStream& stream, beast::flat_buffer& buffer,
                                                 http::request_parser<http::buffer_body>& body, Take take) {
    std::vector<char> piece(kPieceBytes);
    beast::error_code ec;
    while (!body.is_done()) {
      body.get().body().data = piece.data();
      body.get().body().size = piece.size();
      stream.next_layer().expires_after(config.request_timeout);
      co_await http::async_read(stream, buffer, body, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (const std::size_t n = piece.size() - body.get().body().size; n > 0) take({piece.data(), n});
      if (ec) break;
    }
    co_return ec;
  }

  Response handle(const Request& request, const std::string& kiosk) {
    const std::string target(request.target());
    const auto method = request.method();
    if (target.starts_with("/files") && method == http::verb::options) {
      // tus 1.0: OPTIONS needs no Tus-Resumable; it is how a client learns what to send.
      Response r = reply(request, 204);
      r.set("Tus-Version", tus::kVersion);
      r.set("Tus-Extension", tus::kExtensions);
      r.set("Tus-Checksum-Algorithm", tus::kChecksumAlgorithm);
      r.set("Tus-Max-Size", std::to_string(store.max_packet_bytes()));
      return r;
    }
    if (auto refused = without_tus_version(request)) return std::move(*refused);
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
      http::request_parser<http::empty_body> header;
      // Else Beast refuses a long Content-Length with the header; each kind of request sets its
      // own limit below. (Not boost::none: Beast 1.74 compares a Content-Length with it as
      // "greater", and refuses every body.)
      header.body_limit(kNoLimit);
      co_await http::async_read_header(stream, buffer, header,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // closed or timed out: the kiosk resumes from HEAD
      Response response;
      bool body_read = true;
      if (header.get().method() == http::verb::patch && header.get().target().starts_with("/files/")) {
        try {
          response = co_await patch(stream, buffer, header, kiosk, body_read);
        } catch (const boost::system::system_error&) {
          break;  // cut mid-chunk
        }
      } else if (const auto length = header.content_length(); length && *length > kMaxSmallBody) {
        response = reply(header.get(), 413, "a request other than PATCH carries at most 1 MiB\n");
        body_read = false;
      } else {
        http::request_parser<http::string_body> whole{std::move(header)};
        whole.body_limit(kMaxSmallBody);
        co_await http::async_read(stream, buffer, whole, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::body_limit) {
          response = reply(whole.get(), 413, "a request other than PATCH carries at most 1 MiB\n");
          response.keep_alive(false);  // the rest of the body is not read
        } else if (ec) {
          break;
        } else {
          response = handle(whole.get(), kiosk);
        }
      }
      if (!body_read && !(co_await drain(stream, buffer, header))) response.keep_alive(false);
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !response.keep_alive()) break;
    }
    stream.next_layer().expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    AcceptPause pause(log, "the office");
    for (;;) {
      beast::error_code ec;
      asio::ip::tcp::socket socket = co_await acceptor.async_accept(
          asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        co_await pause.after_failure(ec);
        continue;
      }
      pause.after_success();
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
  // TLS 1.3 session tickets are issued after every handshake, and clients that cache them (Node's
  // https agent, browsers, `openssl s_client -sess_in`) offer them on their next connection. With
  // peer verification on, OpenSSL refuses such a resumption (alert 80, "session id context
  // uninitialized") unless the context is named. Named, a ticket resumes the session it came
  // from: the kiosk's certificate was verified when it was issued, the ticket carries it (so the
  // uploader's name is known again), and tickets die with the process's ticket key and after
  // OpenSSL's default lifetime (2 hours).
  static constexpr unsigned char kSessionContext[] = "kiosk-office";
  SSL_CTX_set_session_id_context(i.tls.native_handle(), kSessionContext, sizeof kSessionContext - 1);

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
