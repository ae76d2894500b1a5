// A central office for tests: the real store and HTTPS server on loopback, on their own thread
// as on their own machine, with a certificate set made by tools/make-sim-pki.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "sync/server/office_server.hpp"
#include "sync/server/office_store.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/sim_kiosk.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::testing {

using namespace kiosk::sync;

// Kiosks KIOSK-7 and KIOSK-8 plus `extra`.
inline std::filesystem::path make_pki(const std::filesystem::path& dir,
                                      const std::string& extra = "") {
  const auto r = run_program(std::string(KIOSK_SOURCE_DIR) + "/tools/make-sim-pki " +
                                      dir.string() + " KIOSK-7 KIOSK-8 " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return dir;
}

// A packet of `size` random bytes (a "documents.pdf"), sealed by `kiosk` with its key in `pki`.
inline SealedPacket seal_random(const std::filesystem::path& pki, std::size_t size,
                                const std::string& kiosk = "KIOSK-7") {
  auto sealer = kiosk_sealer(pki, kiosk);
  EXPECT_TRUE(sealer.has_value()) << sealer.error();
  PacketContents c;
  c.id = new_packet_id();
  c.manifest = {{"service", "visa-C"}};
  c.parts = {{"documents.pdf", "application/pdf", random_bytes(size, static_cast<unsigned>(size))}};
  return sealer->seal(c).value();
}

// Where the office keeps its index, for the tests that run on both.
enum class IndexDatabase { kSqlite, kPostgres };

inline std::string index_name(const ::testing::TestParamInfo<IndexDatabase>& info) {
  return info.param == IndexDatabase::kSqlite ? "SQLite" : "PostgreSQL";
}

// The index for a test: SQLite in the store's folder, or a private PostgreSQL server started for it.
class IndexFor {
 public:
  explicit IndexFor(IndexDatabase database) {
    if (database == IndexDatabase::kPostgres) postgres_ = std::make_unique<PostgresServer>();
  }
  std::string error() const { return postgres_ ? postgres_->error() : std::string(); }
  std::string where() const { return postgres_ ? postgres_->uri() : std::string(); }
  PostgresServer* postgres() { return postgres_.get(); }

 private:
  std::unique_ptr<PostgresServer> postgres_;
};

// The central office, on its own thread as it would be on its own machine.
class Office {
 public:
  // `index`: empty for SQLite in `store_dir`, or a PostgreSQL URI.
  Office(const std::filesystem::path& pki, const std::filesystem::path& store_dir,
         unsigned short port = 0, const std::string& index = {}) {
    auto opener = PacketOpener::load(pki / "office-packet.pem", pki / "office-packet.key",
                                     pki / "ca.pem");
    EXPECT_TRUE(opener.has_value()) << opener.error();
    auto store = OfficeStore::open(store_dir, std::move(*opener), {}, index);
    EXPECT_TRUE(store.has_value()) << store.error();
    store_ = std::make_unique<OfficeStore>(std::move(*store));
    OfficeServerConfig config;
    config.port = port;
    config.certificate = pki / "office-tls.pem";
    config.key = pki / "office-tls.key";
    config.client_ca = pki / "ca.pem";
    server_ = std::make_unique<OfficeServer>(io_.get_executor(), config, *store_);
    const auto started = server_->start();
    EXPECT_TRUE(started.has_value()) << started.error();
    port_ = server_->port();
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
  }
  ~Office() {
    asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    thread_.join();
    server_.reset();
  }
  unsigned short port() const { return port_; }
  // Store calls from the test thread, made on the server's thread.
  template <typename F>
  auto on_server(F f) {
    std::promise<decltype(f(*store_))> promise;
    asio::post(io_, [&] { promise.set_value(f(*store_)); });
    return promise.get_future().get();
  }

 private:
  asio::io_context io_;
  std::unique_ptr<OfficeStore> store_;
  std::unique_ptr<OfficeServer> server_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace kiosk::testing
