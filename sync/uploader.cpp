// The tus uploader; see uploader.hpp.
#include "sync/uploader.hpp"

#include <optional>
#include <random>

#include <nlohmann/json.hpp>

#include "config/log.hpp"
#include "sync/tus.hpp"

namespace kiosk::sync {
namespace {

using Response = OfficeResponse;

constexpr std::size_t kSmallestChunk = 64 * 1024;

// The path of a Location header, which tus servers give as a path or as an absolute URL (of the
// same server); nullopt when there is none.
std::optional<std::string> path_of(beast::string_view location) {
  std::string_view l = std_view(location);
  if (const auto scheme = l.find("://"); scheme != std::string_view::npos) {
    const auto path = l.find('/', scheme + 3);
    if (path == std::string_view::npos) return std::nullopt;
    l = l.substr(path);
  }
  if (!l.starts_with('/')) return std::nullopt;
  return std::string(l);
}

std::string describe(const Response& r) {
  std::string body = r.body().substr(0, 200);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return "HTTP " + std::to_string(r.result_int()) + (body.empty() ? "" : ": " + body);
}

}  // namespace

struct Uploader::Impl : std::enable_shared_from_this<Impl> {
  asio::any_io_executor executor;
  Outbox& outbox;
  UploaderConfig config;
  std::shared_ptr<ssl::context> tls;
  asio::steady_timer idle;
  bool running = false;
  std::function<void(const UploadEvent&)> handler;
  std::shared_ptr<spdlog::logger> log = log::get("sync");
  std::mt19937_64 random{std::random_device{}()};

  Impl(asio::any_io_executor e, Outbox& o, UploaderConfig c)
      : executor(e), outbox(o), config(std::move(c)), idle(e) {}

  void emit(UploadEvent event) {
    if (handler) handler(event);
  }

  // Exponential back-off with jitter: half the step fixed, half random.
  std::chrono::milliseconds backoff(int attempts) {
    const auto step = std::min<std::int64_t>(
        config.backoff_max.count(),
        config.backoff_first.count() << std::min(attempts, 20));
    std::uniform_int_distribution<std::int64_t> jitter(0, step / 2);
    return std::chrono::milliseconds(step / 2 + jitter(random));
  }

  asio::awaitable<Expected<void>> attempt(const OutboxEntry& entry) {
    auto packet = outbox.read(entry.id);
    if (!packet) co_return std::unexpected(packet.error());
    auto connection = co_await OfficeConnection::open(executor, tls, config.office);
    if (!connection) co_return std::unexpected(connection.error());
    auto result = co_await upload(**connection, entry, *packet);
    co_await (*connection)->close();
    co_return result;
  }

  // What the server said of itself in answer to OPTIONS.
  struct ServerTerms {
    std::optional<std::uint64_t> max_size;  // Tus-Max-Size: the largest upload it takes
    bool checksum = false;                  // it checks Upload-Checksum (sha256)
  };

  asio::awaitable<Expected<ServerTerms>> terms(OfficeConnection& office) {
    auto options = co_await office.request(http::request<http::string_body>{http::verb::options, "/files", 11});
    if (!options) co_return std::unexpected(options.error());
    if (options->result_int() != 200 && options->result_int() != 204) {
      co_return std::unexpected("the office does not speak tus: " + describe(*options));
    }
    ServerTerms t;
    t.max_size = tus::parse_length(std_view((*options)["Tus-Max-Size"]));
    const std::string extensions((*options)["Tus-Extension"]);
    const std::string algorithms((*options)["Tus-Checksum-Algorithm"]);
    t.checksum = extensions.find("checksum") != std::string::npos &&
                 algorithms.find(tus::kChecksumAlgorithm) != std::string::npos;
    co_return t;
  }

  // The upload is complete (the server's offset is its length): whether the office accepted
  // the packet is asked of our office's own extension, GET /packets/ID. A tus server without it
  // (404, 405, 501) has taken the upload, and that is all it can say.
  asio::awaitable<Expected<void>> verdict(OfficeConnection& office, const OutboxEntry& entry) {
    auto asked = co_await office.request(
        http::request<http::string_body>{http::verb::get, "/packets/" + entry.id, 11});
    if (!asked) co_return std::unexpected(asked.error());
    const int status = asked->result_int();
    if (status == 404 || status == 405 || status == 501) co_return Expected<void>();
    const auto state = nlohmann::json::parse(asked->body(), nullptr, false);
    if (status != 200 || !state.is_object()) {
      co_return std::unexpected("asking whether the packet was accepted: " + describe(*asked));
    }
    const std::string name = state.value("state", "");
    if (name == "received") co_return Expected<void>();
    if (name == "rejected") {
      co_return std::unexpected("the office rejected the packet: " + state.value("error", std::string("no reason given")));
    }
    co_return std::unexpected("the office has every byte but says the packet is " + name);
  }

  asio::awaitable<Expected<void>> upload(OfficeConnection& office, const OutboxEntry& entry,
                                         const std::string& packet) {
    auto server = co_await terms(office);
    if (!server) co_return std::unexpected(server.error());
    if (server->max_size && packet.size() > *server->max_size) {
      co_return std::unexpected("the office takes uploads of at most " + std::to_string(*server->max_size) +
                                " bytes; this packet has " + std::to_string(packet.size()));
    }
    std::string url = entry.upload_url;
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    std::size_t chunk_bytes = config.chunk_bytes;
    bool announced_again = false;
    // A few rounds: a vanished or rejected upload is announced afresh, an offset disagreement
    // is settled by asking the server again.
    for (int round = 0; round < 4; ++round) {
      if (url.empty()) {
        http::request<http::string_body> post{http::verb::post, "/files", 11};
        post.set("Upload-Length", std::to_string(packet.size()));
        post.set("Upload-Metadata",
                 tus::encode_metadata({{"packet_id", entry.id}, {"sha256", entry.sha256}}));
        auto created = co_await office.request(std::move(post));
        if (!created) co_return std::unexpected(created.error());
        const auto location = path_of((*created)[http::field::location]);
        if (created->result_int() != 201 || !location) {
          co_return std::unexpected("the office refused the packet: " + describe(*created));
        }
        url = *location;
        if (auto ok = outbox.set_upload_url(entry.id, url); !ok) co_return std::unexpected(ok.error());
      }
      auto head = co_await office.request(http::request<http::string_body>{http::verb::head, url, 11});
      if (!head) co_return std::unexpected(head.error());
      if (head->result_int() == 404 || head->result_int() == 410) {
        url.clear();  // expired or forgotten: announce it again
        continue;
      }
      if (head->result_int() != 200) co_return std::unexpected("asking for the offset: " + describe(*head));
      auto offset = tus::parse_length(std_view((*head)["Upload-Offset"]));
      if (!offset || *offset > packet.size()) co_return std::unexpected(std::string("the office sent no usable offset"));
      bool resync = false;
      int bad_checksums = 0;
      while (!resync) {
        if (*offset == packet.size()) co_return co_await verdict(office, entry);
        const std::size_t length = std::min<std::size_t>(chunk_bytes, packet.size() - *offset);
        const std::string_view chunk = std::string_view(packet).substr(*offset, length);
        http::request<http::string_body> patch{http::verb::patch, url, 11};
        patch.set(http::field::content_type, tus::kOffsetStream);
        patch.set("Upload-Offset", std::to_string(*offset));
        if (server->checksum) patch.set("Upload-Checksum", tus::checksum_header(chunk));
        patch.body() = std::string(chunk);
        auto answer = co_await office.request(std::move(patch));
        if (!answer) co_return std::unexpected(answer.error());
        switch (answer->result_int()) {
          case 204: {
            const auto next = tus::parse_length(std_view((*answer)["Upload-Offset"]));
            if (!next || *next <= *offset || *next > packet.size()) {
              co_return std::unexpected(std::string("the office did not advance the offset"));
            }
            sent += *next - *offset;
            *offset = *next;
            co_await pace(started, sent);
            break;
          }
          case 409:  // the server knows better where we are
            resync = true;
            break;
          case 413:  // a chunk larger than the server takes in one request: smaller ones
            if (chunk_bytes <= kSmallestChunk) {
              co_return std::unexpected("the office refuses even small chunks: " + describe(*answer));
            }
            chunk_bytes = std::max(kSmallestChunk, chunk_bytes / 2);
            log->info("the office refused a chunk of {} bytes; sending {} at a time", length, chunk_bytes);
            break;
          case tus::kChecksumMismatch:
            if (++bad_checksums >= 3) co_return std::unexpected("a chunk failed its checksum three times");
            break;
          case 404:
          case 410:
            url.clear();
            resync = true;
            break;
          case 422:  // our office rejected the packet: announced again, it is checked afresh once
            if (announced_again) {
              co_return std::unexpected("the office rejected the packet: " + describe(*answer));
            }
            announced_again = true;
            url.clear();
            resync = true;
            break;
          default:
            co_return std::unexpected("the office did not store the packet: " + describe(*answer));
        }
      }
    }
    co_return std::unexpected(std::string("the upload did not settle after several rounds"));
  }

  // The bandwidth cap: sleep until `sent` bytes are no more than the cap allows.
  asio::awaitable<void> pace(std::chrono::steady_clock::time_point started, std::uint64_t sent) {
    if (config.bytes_per_second == 0) co_return;
    const auto due = started + std::chrono::microseconds(sent * 1000000 / config.bytes_per_second);
    if (due <= std::chrono::steady_clock::now()) co_return;
    asio::steady_timer wait(executor, due);
    beast::error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<Expected<void>> send(OutboxEntry entry) {
    auto self = shared_from_this();
    auto result = co_await attempt(entry);
    if (result) {
      if (auto ok = outbox.acknowledge(entry.id); !ok) co_return std::unexpected(ok.error());
      log->info("packet {} delivered", entry.id);
      emit({UploadEvent::Kind::kDelivered, entry.id, {}});
      co_return result;
    }
    const auto wait = backoff(entry.attempts);
    log->warn("packet {}: {} (next attempt in {} s)", entry.id, result.error(),
              std::chrono::duration_cast<std::chrono::seconds>(wait).count());
    outbox.record_failure(entry.id, result.error(), Clock::now() + wait);
    emit({UploadEvent::Kind::kFailed, entry.id, result.error()});
    co_return result;
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    while (running) {
      auto due = outbox.next_due();
      if (due && *due) {
        co_await send(**due);
        continue;
      }
      if (!due) log->error("outbox: {}", due.error());
      idle.expires_after(std::min(config.idle_poll, config.backoff_first));
      beast::error_code ec;
      co_await idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
};

Uploader::Uploader(asio::any_io_executor executor, Outbox& outbox, UploaderConfig config)
    : impl_(std::make_shared<Impl>(executor, outbox, std::move(config))) {}

Uploader::~Uploader() { stop(); }

Expected<void> Uploader::load() {
  auto tls = make_office_tls(impl_->config.office);
  if (!tls) return std::unexpected(tls.error());
  impl_->tls = std::move(*tls);
  return {};
}

void Uploader::on_event(std::function<void(const UploadEvent&)> handler) {
  impl_->handler = std::move(handler);
}

void Uploader::start() {
  if (impl_->running) return;
  impl_->running = true;
  asio::co_spawn(impl_->executor, impl_->run(), asio::detached);
}

void Uploader::poke() { impl_->idle.cancel(); }

void Uploader::stop() {
  impl_->running = false;
  impl_->idle.cancel();
}

asio::awaitable<Expected<void>> Uploader::send(OutboxEntry entry) {
  co_return co_await impl_->send(entry);
}

}  // namespace kiosk::sync
