// The tus uploader; see uploader.hpp.
#include "sync/uploader.hpp"

#include <random>

#include "config/log.hpp"
#include "sync/tus.hpp"

namespace kiosk::sync {
namespace {

using Response = OfficeResponse;

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

  asio::awaitable<Expected<void>> upload(OfficeConnection& office, const OutboxEntry& entry,
                                         const std::string& packet) {
    std::string url = entry.upload_url;
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
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
        if (created->result_int() != 201 || (*created)[http::field::location].empty()) {
          co_return std::unexpected("the office refused the packet: " + describe(*created));
        }
        url = std::string((*created)[http::field::location]);
        if (auto ok = outbox.set_upload_url(entry.id, url); !ok) co_return std::unexpected(ok.error());
      }
      auto head = co_await office.request(http::request<http::string_body>{http::verb::head, url, 11});
      if (!head) co_return std::unexpected(head.error());
      if (head->result_int() == 404 || head->result_int() == 410) {
        url.clear();  // expired or forgotten: announce it again
        continue;
      }
      if (head->result_int() != 200) co_return std::unexpected("asking for the offset: " + describe(*head));
      if ((*head)["X-Packet-State"] == "received") co_return Expected<void>();
      if ((*head)["X-Packet-State"] == "rejected") {
        url.clear();
        continue;
      }
      auto offset = tus::parse_length(std_view((*head)["Upload-Offset"]));
      if (!offset || *offset > packet.size()) co_return std::unexpected(std::string("the office sent no usable offset"));
      bool resync = false;
      int bad_checksums = 0;
      while (!resync) {
        const std::size_t length = std::min<std::size_t>(config.chunk_bytes, packet.size() - *offset);
        const std::string_view chunk = std::string_view(packet).substr(*offset, length);
        http::request<http::string_body> patch{http::verb::patch, url, 11};
        patch.set(http::field::content_type, tus::kOffsetStream);
        patch.set("Upload-Offset", std::to_string(*offset));
        patch.set("Upload-Checksum", tus::checksum_header(chunk));
        patch.body() = std::string(chunk);
        auto answer = co_await office.request(std::move(patch));
        if (!answer) co_return std::unexpected(answer.error());
        switch (answer->result_int()) {
          case 204: {
            if ((*answer)["X-Packet-State"] == "received") co_return Expected<void>();
            const auto next = tus::parse_length(std_view((*answer)["Upload-Offset"]));
            if (!next || *next <= *offset) co_return std::unexpected(std::string("the office did not advance the offset"));
            sent += *next - *offset;
            *offset = *next;
            if (*offset >= packet.size()) co_return std::unexpected(std::string("the office took every byte but stored nothing"));
            co_await pace(started, sent);
            break;
          }
          case 409:  // the server knows better where we are
            resync = true;
            break;
          case tus::kChecksumMismatch:
            if (++bad_checksums >= 3) co_return std::unexpected("a chunk failed its checksum three times");
            break;
          case 404:
          case 410:
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
