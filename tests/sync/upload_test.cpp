// The kiosk's uploader against the real central-office server on loopback, both over TLS 1.3
// with mutual TLS: whole uploads, resumption after a cut connection and after a server restart,
// re-sends, refused certificates, bad checksums and offsets, and a packet that does not open.
#include <array>
#include <future>
#include <map>
#include <random>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sync/outbox.hpp"
#include "sync/server/office_server.hpp"
#include "sync/server/office_store.hpp"
#include "sync/tus.hpp"
#include "sync/uploader.hpp"
#include "tests/support/office.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::sync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::make_pki;
using testing::Office;

// A TCP relay that can cut every connection after so many bytes from the kiosk, like a link
// that drops mid-upload.
class Relay {
 public:
  Relay(asio::io_context& io, unsigned short target) : io_(io), acceptor_(io), target_(target) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(io_, accept(), asio::detached);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::size_t cut_after = SIZE_MAX;  // bytes from the kiosk per connection
  int cuts = 0;

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      beast::error_code ec;
      auto client = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto server = std::make_shared<asio::ip::tcp::socket>(io_);
      co_await server->async_connect({asio::ip::make_address("127.0.0.1"), target_},
                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) continue;
      auto kiosk = std::make_shared<asio::ip::tcp::socket>(std::move(client));
      asio::co_spawn(io_, pipe(kiosk, server, true), asio::detached);
      asio::co_spawn(io_, pipe(server, kiosk, false), asio::detached);
    }
  }
  asio::awaitable<void> pipe(std::shared_ptr<asio::ip::tcp::socket> from,
                             std::shared_ptr<asio::ip::tcp::socket> to, bool upstream) {
    std::array<char, 16384> buffer;
    std::size_t total = 0;
    for (;;) {
      beast::error_code ec;
      std::size_t n = co_await from->async_read_some(asio::buffer(buffer),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (upstream && total + n > cut_after) {
        n = cut_after - total;
        co_await asio::async_write(*to, asio::buffer(buffer.data(), n),
                                   asio::redirect_error(asio::use_awaitable, ec));
        ++cuts;
        break;
      }
      total += n;
      co_await asio::async_write(*to, asio::buffer(buffer.data(), n),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    beast::error_code ignored;
    from->close(ignored);
    to->close(ignored);
  }

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  unsigned short target_;
};

// Each test runs with the office's index in SQLite and in PostgreSQL.
class UploadTest : public ::testing::TestWithParam<testing::IndexDatabase> {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::ScratchDir;
    rogue_ = new testing::ScratchDir;
    make_pki(pki_->path());
    make_pki(rogue_->path());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete rogue_;
  }

  void SetUp() override {
    auto outbox = Outbox::open(kiosk_dir_ / "outbox");
    ASSERT_TRUE(outbox.has_value()) << outbox.error();
    outbox_ = std::make_unique<Outbox>(std::move(*outbox));
    ASSERT_EQ(index_.error(), "");
    start_office();
  }

  void start_office(unsigned short port = 0) {
    office_ = std::make_unique<Office>(pki_->path(), office_dir_.path(), port, index_.where());
  }

  UploaderConfig config(unsigned short port, const std::filesystem::path& kiosk_pki,
                        const std::string& kiosk = "KIOSK-7") {
    UploaderConfig c;
    c.office.host = "localhost";
    c.office.port = std::to_string(port);
    c.office.office_ca = pki_->path() / "ca.pem";
    c.office.certificate = kiosk_pki / ("kiosk-" + kiosk + ".pem");
    c.office.key = kiosk_pki / ("kiosk-" + kiosk + ".key");
    c.chunk_bytes = 64 * 1024;
    c.office.connect_timeout = 5s;
    c.office.io_timeout = 5s;
    c.backoff_first = 10ms;
    c.backoff_max = 50ms;
    c.idle_poll = 20ms;
    return c;
  }

  SealedPacket seal(const std::string& kiosk = "KIOSK-7", std::size_t size = 400 * 1024) {
    return testing::seal_random(pki_->path(), size, kiosk);
  }

  Expected<void> send_once(Uploader& uploader, const std::string& id) {
    const auto entry = outbox_->find(id);
    EXPECT_TRUE(entry && *entry);
    std::optional<Expected<void>> result;
    asio::co_spawn(io_, uploader.send(**entry), [&](std::exception_ptr e, Expected<void> r) {
      result = e ? Expected<void>(std::unexpected(std::string("exception"))) : std::move(r);
    });
    EXPECT_TRUE(testing::run_until(io_, result, 30s)) << "the attempt never ended";
    return result ? *result : std::unexpected(std::string("gave up"));
  }

  std::optional<UploadInfo> office_view(const std::string& id) {
    return office_->on_server([&](OfficeStore& s) -> std::optional<UploadInfo> {
      const auto r = s.head(id);
      return r.outcome == StoreOutcome::kOk ? std::optional(r.info) : std::nullopt;
    });
  }

  void expect_delivered(const SealedPacket& p) {
    const auto entry = *outbox_->find(p.id);
    EXPECT_EQ(entry->state, PacketState::kAcknowledged) << entry->last_error;
    const auto view = office_view(p.id);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->state, UploadInfo::State::kReceived);
    const auto stored = testing::read_file(office_dir_ / "packets" / (p.id + ".cms"));
    EXPECT_EQ(sha256_hex(stored), p.sha256) << "the office stored other bytes";
  }

  static inline testing::ScratchDir* pki_ = nullptr;
  static inline testing::ScratchDir* rogue_ = nullptr;
  testing::IndexFor index_{GetParam()};
  asio::io_context io_;
  testing::ScratchDir kiosk_dir_;
  testing::ScratchDir office_dir_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Office> office_;
};

TEST_P(UploadTest, APacketIsDeliveredInChunksAndAcknowledgedOnlyOnceStored) {
  const SealedPacket p = seal();
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  Uploader uploader(io_.get_executor(), *outbox_, config(office_->port(), pki_->path()));
  ASSERT_TRUE(uploader.load().has_value());
  const auto sent = send_once(uploader, p.id);
  ASSERT_TRUE(sent.has_value()) << sent.error();
  expect_delivered(p);
}

TEST_P(UploadTest, TheLoopDeliversEverythingQueuedAndReportsIt) {
  std::vector<SealedPacket> packets = {seal(), seal("KIOSK-7", 100000), seal("KIOSK-7", 5000)};
  for (const auto& p : packets) ASSERT_TRUE(outbox_->enqueue(p).has_value());
  Uploader uploader(io_.get_executor(), *outbox_, config(office_->port(), pki_->path()));
  ASSERT_TRUE(uploader.load().has_value());
  std::vector<std::string> delivered;
  uploader.on_event([&](const UploadEvent& e) {
    if (e.kind == UploadEvent::Kind::kDelivered) delivered.push_back(e.packet_id);
  });
  uploader.start();
  ASSERT_TRUE(testing::run_until(io_, [&] { return delivered.size() == 3; }, 30s));
  uploader.stop();
  EXPECT_EQ(delivered[0], packets[0].id) << "oldest first";
  for (const auto& p : packets) expect_delivered(p);
}

TEST_P(UploadTest, ACutConnectionResumesFromTheServersOffset) {
  const SealedPacket p = seal();
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  Relay relay(io_, office_->port());
  relay.cut_after = 200 * 1024;  // mid-packet, after a few chunks
  Uploader uploader(io_.get_executor(), *outbox_, config(relay.port(), pki_->path()));
  ASSERT_TRUE(uploader.load().has_value());
  const auto first = send_once(uploader, p.id);
  ASSERT_FALSE(first.has_value()) << "the link was cut, yet the upload succeeded";
  EXPECT_EQ(relay.cuts, 1);
  const auto midway = office_view(p.id);
  ASSERT_TRUE(midway.has_value());
  EXPECT_GT(midway->offset, 0u);
  EXPECT_LT(midway->offset, p.bytes.size());
  const auto waiting = *outbox_->find(p.id);
  EXPECT_EQ(waiting->state, PacketState::kUploading);
  EXPECT_EQ(waiting->attempts, 1);
  EXPECT_FALSE(waiting->last_error.empty());

  relay.cut_after = SIZE_MAX;
  const auto second = send_once(uploader, p.id);
  ASSERT_TRUE(second.has_value()) << second.error();
  expect_delivered(p);
}

TEST_P(UploadTest, AServerRestartMidUploadIsResumed) {
  const SealedPacket p = seal("KIOSK-7", 1 << 20);
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  const unsigned short port = office_->port();
  auto c = config(port, pki_->path());
  c.bytes_per_second = 2 << 20;  // half a second for the packet: time to pull the plug
  Uploader uploader(io_.get_executor(), *outbox_, c);
  ASSERT_TRUE(uploader.load().has_value());
  const auto entry = *outbox_->find(p.id);
  std::optional<Expected<void>> result;
  asio::co_spawn(io_, uploader.send(*entry), [&](std::exception_ptr, Expected<void> r) { result = r; });
  ASSERT_TRUE(testing::run_until(io_, [&] {
    const auto v = office_view(p.id);
    return v && v->offset > 0;
  }));
  office_.reset();  // the office goes down mid-upload
  ASSERT_TRUE(testing::run_until(io_, result, 30s));
  ASSERT_FALSE(result->has_value());
  start_office(port);
  const auto resumed = office_view(p.id);
  ASSERT_TRUE(resumed.has_value()) << "the office forgot the upload across its restart";
  EXPECT_GT(resumed->offset, 0u);
  const auto second = send_once(uploader, p.id);
  ASSERT_TRUE(second.has_value()) << second.error();
  expect_delivered(p);
}

TEST_P(UploadTest, ARepeatedPacketIsASuccessNotASecondRecord) {
  const SealedPacket p = seal();
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  Uploader uploader(io_.get_executor(), *outbox_, config(office_->port(), pki_->path()));
  ASSERT_TRUE(uploader.load().has_value());
  ASSERT_TRUE(send_once(uploader, p.id).has_value());
  // The kiosk lost its acknowledgement (say, restored from a backup) and sends it all again.
  testing::ScratchDir again;
  auto other = Outbox::open(again.path());
  ASSERT_TRUE(other.has_value());
  ASSERT_TRUE(other->enqueue(p).has_value());
  Uploader second(io_.get_executor(), *other, config(office_->port(), pki_->path()));
  ASSERT_TRUE(second.load().has_value());
  std::optional<Expected<void>> result;
  asio::co_spawn(io_, second.send(**other->find(p.id)),
                 [&](std::exception_ptr, Expected<void> r) { result = r; });
  ASSERT_TRUE(testing::run_until(io_, result, 30s));
  ASSERT_TRUE(result->has_value()) << result->error();
  EXPECT_EQ((*other->find(p.id))->state, PacketState::kAcknowledged);
  std::size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(office_dir_ / "packets")) files += f.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST_P(UploadTest, AKioskWithoutTheConsulatesCertificateIsRefused) {
  const SealedPacket p = seal();
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  Uploader rogue(io_.get_executor(), *outbox_, config(office_->port(), rogue_->path()));
  ASSERT_TRUE(rogue.load().has_value());
  const auto refused = send_once(rogue, p.id);
  ASSERT_FALSE(refused.has_value());
  EXPECT_FALSE(office_view(p.id).has_value()) << "the office took bytes from an unknown kiosk";

  // And a client with no certificate at all: the handshake or the first reply fails.
  ssl::context bare(ssl::context::tls_client);
  bare.load_verify_file((pki_->path() / "ca.pem").string());
  bare.set_verify_mode(ssl::verify_peer);
  TlsStream stream(io_, bare);
  beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), office_->port()});
  beast::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  if (!ec) {
    http::request<http::string_body> options{http::verb::options, "/files", 11};
    options.set(http::field::host, "localhost");
    http::write(stream, options, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response, ec);
  }
  EXPECT_TRUE(ec) << "a client without a certificate got an answer";
}

TEST_P(UploadTest, AnOfficeWithAnotherCaIsNotTrusted) {
  const SealedPacket p = seal();
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  auto c = config(office_->port(), pki_->path());
  c.office.office_ca = rogue_->path() / "ca.pem";  // pinned to a CA that did not issue this server's
  Uploader uploader(io_.get_executor(), *outbox_, c);
  ASSERT_TRUE(uploader.load().has_value());
  const auto r = send_once(uploader, p.id);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error(), HasSubstr("TLS"));
}

// The protocol itself, one request at a time, as a kiosk with a valid certificate.
class TusClient {
 public:
  TusClient(asio::io_context& io, const std::filesystem::path& pki, unsigned short port)
      : tls_(ssl::context::tls_client), stream_(io, tls_) {
    tls_.load_verify_file((pki / "ca.pem").string());
    tls_.use_certificate_chain_file((pki / "kiosk-KIOSK-7.pem").string());
    tls_.use_private_key_file((pki / "kiosk-KIOSK-7.key").string(), ssl::context::pem);
    tls_.set_verify_mode(ssl::verify_peer);
    stream_ = TlsStream(io, tls_);
    beast::get_lowest_layer(stream_).connect({asio::ip::make_address("127.0.0.1"), port});
    stream_.handshake(ssl::stream_base::client);
  }
  http::response<http::string_body> send(http::verb verb, const std::string& target,
                                         std::map<std::string, std::string> headers,
                                         std::string body = {}) {
    http::request<http::string_body> r{verb, target, 11};
    r.set(http::field::host, "localhost");
    r.set("Tus-Resumable", tus::kVersion);
    for (const auto& [k, v] : headers) r.set(k, v);
    r.body() = std::move(body);
    r.prepare_payload();
    http::write(stream_, r);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    if (verb == http::verb::head) parser.skip(true);
    http::read(stream_, buffer, parser);
    return parser.release();
  }

 private:
  ssl::context tls_;
  TlsStream stream_;
};

TEST_P(UploadTest, TheServerEnforcesOffsetsChecksumsAndAnnouncedContents) {
  const SealedPacket p = seal("KIOSK-7", 50000);
  TusClient tus(io_, pki_->path(), office_->port());
  const auto options = tus.send(http::verb::options, "/files", {});
  EXPECT_EQ(options.result_int(), 204);
  EXPECT_THAT(std::string(options["Tus-Extension"]), HasSubstr("checksum"));
  EXPECT_EQ(options["Tus-Checksum-Algorithm"], "sha256");

  const std::string metadata = tus::encode_metadata({{"packet_id", p.id}, {"sha256", p.sha256}});
  const auto created = tus.send(http::verb::post, "/files",
                                {{"Upload-Length", std::to_string(p.bytes.size())},
                                 {"Upload-Metadata", metadata}});
  ASSERT_EQ(created.result_int(), 201);
  const std::string url(created[http::field::location]);
  EXPECT_FALSE(created["Upload-Expires"].empty());

  const std::string chunk = p.bytes.substr(0, 10000);
  const auto patch = [&](std::uint64_t offset, const std::string& bytes, const std::string& sum) {
    return tus.send(http::verb::patch, url,
                    {{"Content-Type", tus::kOffsetStream},
                     {"Upload-Offset", std::to_string(offset)},
                     {"Upload-Checksum", sum}},
                    bytes);
  };
  EXPECT_EQ(patch(0, chunk, tus::checksum_header("something else")).result_int(), 460);
  EXPECT_EQ(patch(5, chunk, tus::checksum_header(chunk)).result_int(), 409);
  const auto good = patch(0, chunk, tus::checksum_header(chunk));
  EXPECT_EQ(good.result_int(), 204);
  EXPECT_EQ(good["Upload-Offset"], "10000");
  EXPECT_EQ(patch(0, chunk, tus::checksum_header(chunk)).result_int(), 409) << "offset moved on";
  const auto head = tus.send(http::verb::head, url, {});
  EXPECT_EQ(head["Upload-Offset"], "10000");
  EXPECT_EQ(tus.send(http::verb::post, "/files",
                     {{"Upload-Length", std::to_string(p.bytes.size())},
                      {"Upload-Metadata",
                       tus::encode_metadata({{"packet_id", p.id}, {"sha256", std::string(64, 'a')}})}})
                .result_int(),
            409)
      << "the same id with other contents";
  EXPECT_EQ(tus.send(http::verb::patch, url, {{"Content-Type", "text/plain"}, {"Upload-Offset", "10000"}}, "x")
                .result_int(),
            415);
  EXPECT_EQ(tus.send(http::verb::post, "/files", {{"Upload-Length", "10"}}).result_int(), 400);
}

TEST_P(UploadTest, APacketThatDoesNotOpenIsRejectedWithTheReason) {
  std::string garbage(30000, 'g');
  const SealedPacket p{new_packet_id(), garbage, sha256_hex(garbage)};
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  Uploader uploader(io_.get_executor(), *outbox_, config(office_->port(), pki_->path()));
  ASSERT_TRUE(uploader.load().has_value());
  const auto r = send_once(uploader, p.id);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error(), HasSubstr("does not open"));
  const auto entry = *outbox_->find(p.id);
  EXPECT_NE(entry->state, PacketState::kAcknowledged);
  EXPECT_THAT(entry->last_error, HasSubstr("does not open"));
  EXPECT_EQ(office_view(p.id)->state, UploadInfo::State::kRejected);
}

// The office's PostgreSQL server down: nothing is acknowledged, the kiosk keeps the packet, and
// once the database is back the packet goes through, received once.
class UploadOnPostgresTest : public UploadTest {};

TEST_P(UploadOnPostgresTest, WhileTheIndexIsDownNothingIsAcknowledgedAndAfterwardsThePacketArrives) {
  const SealedPacket p = seal();
  ASSERT_TRUE(outbox_->enqueue(p).has_value());
  Uploader uploader(io_.get_executor(), *outbox_, config(office_->port(), pki_->path()));
  ASSERT_TRUE(uploader.load().has_value());
  index_.postgres()->stop();
  const auto refused = send_once(uploader, p.id);
  ASSERT_FALSE(refused.has_value()) << "acknowledged with no database to record it";
  const auto kept = *outbox_->find(p.id);
  EXPECT_EQ(kept->state, PacketState::kSealed) << "no upload could begin";
  EXPECT_THAT(kept->last_error, HasSubstr("HTTP 500"));
  index_.postgres()->start();
  ASSERT_EQ(index_.error(), "");
  const auto sent = send_once(uploader, p.id);
  ASSERT_TRUE(sent.has_value()) << sent.error();
  expect_delivered(p);
}

INSTANTIATE_TEST_SUITE_P(Index, UploadOnPostgresTest, ::testing::Values(testing::IndexDatabase::kPostgres),
                         testing::index_name);

INSTANTIATE_TEST_SUITE_P(Index, UploadTest,
                         ::testing::Values(testing::IndexDatabase::kSqlite, testing::IndexDatabase::kPostgres),
                         testing::index_name);

}  // namespace
}  // namespace kiosk::sync
