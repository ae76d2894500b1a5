// The kiosk's heartbeat and its application-status lookup against the real office server.
#include "sync/office_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sync/outbox.hpp"
#include "sync/uploader.hpp"
#include "tests/support/office.hpp"

namespace kiosk::sync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Each test runs with the office's index in SQLite and in PostgreSQL.
class OfficeClientTest : public ::testing::TestWithParam<testing::IndexDatabase> {
 protected:
  void SetUp() override {
    ASSERT_EQ(index_.error(), "");
    testing::make_pki(pki_.path());
    office_ = std::make_unique<testing::Office>(pki_.path(), store_.path(), 0, index_.where());
    endpoint_.port = std::to_string(office_->port());
    endpoint_.office_ca = pki_ / "ca.pem";
    endpoint_.certificate = pki_ / "kiosk-KIOSK-7.pem";
    endpoint_.key = pki_ / "kiosk-KIOSK-7.key";
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    std::optional<T> result;
    asio::co_spawn(io_, std::move(task), [&](std::exception_ptr, T r) { result = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, result, 20s));
    return std::move(*result);
  }

  // A packet with a tracking code, uploaded so that the office opens the application.
  std::string deliver_application(const std::string& code) {
    auto sealer = Sealer::load(pki_ / "kiosk-KIOSK-7.pem", pki_ / "kiosk-KIOSK-7.key",
                               pki_ / "office-packet.pem", "KIOSK-7");
    auto sealed = sealer->seal({new_packet_id(), {{"tracking_code", code}}, {}});
    auto outbox = Outbox::open(kiosk_ / "outbox");
    EXPECT_TRUE(outbox->enqueue(*sealed).has_value());
    UploaderConfig config;
    config.office = endpoint_;
    Uploader uploader(io_.get_executor(), *outbox, config);
    EXPECT_TRUE(uploader.load().has_value());
    EXPECT_TRUE(run(uploader.send(**outbox->find(sealed->id))).has_value());
    return sealed->id;
  }

  testing::IndexFor index_{GetParam()};
  asio::io_context io_;
  testing::ScratchDir pki_, store_, kiosk_;
  std::unique_ptr<testing::Office> office_;
  OfficeEndpoint endpoint_;
};

TEST_P(OfficeClientTest, TheOfficeKeepsTheLatestHeartbeatOfEachKiosk) {
  OfficeClient client(io_.get_executor(), endpoint_);
  ASSERT_TRUE(client.load().has_value());
  ASSERT_TRUE(run(client.heartbeat({{"outbox_waiting", 3}})).has_value());
  ASSERT_TRUE(run(client.heartbeat({{"outbox_waiting", 0}, {"version", "1.0"}})).has_value());
  const auto beats = office_->on_server([](OfficeStore& s) { return s.heartbeats(); });
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_EQ(beats[0].kiosk, "KIOSK-7") << "named by its certificate, not by what it says";
  EXPECT_THAT(beats[0].report, HasSubstr("\"outbox_waiting\":0"));
}

TEST_P(OfficeClientTest, AnApplicationsStateIsLookedUpByItsTrackingCode) {
  deliver_application("TRK-7Q2M9X");
  OfficeClient client(io_.get_executor(), endpoint_);
  ASSERT_TRUE(client.load().has_value());
  auto status = run(client.application_status("TRK-7Q2M9X"));
  ASSERT_TRUE(status.has_value()) << status.error();
  EXPECT_EQ(status->state, ApplicationState::kOpen);

  ASSERT_TRUE(office_->on_server([](OfficeStore& s) {
    return s.set_application_state("TRK-7Q2M9X", ApplicationState::kReadyForPickup);
  }).has_value());
  status = run(client.application_status("TRK-7Q2M9X"));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->state, ApplicationState::kReadyForPickup);
  EXPECT_FALSE(status->updated_at.empty());

  EXPECT_THAT(run(client.application_status("TRK-NOSUCH")).error(), HasSubstr("unknown tracking code"));
  EXPECT_THAT(run(client.application_status("../../etc")).error(), HasSubstr("not a tracking code"));
}

TEST_P(OfficeClientTest, AnOfficeThatDoesNotAnswerIsAClearError) {
  office_.reset();
  OfficeClient client(io_.get_executor(), endpoint_);
  ASSERT_TRUE(client.load().has_value());
  EXPECT_THAT(run(client.heartbeat({})).error(), HasSubstr("cannot connect"));
}

// The office goes on when its PostgreSQL server restarts under it: the next request reconnects.
class OfficeOnPostgresTest : public OfficeClientTest {};

TEST_P(OfficeOnPostgresTest, TheOfficeOutlivesARestartOfItsDatabaseServer) {
  OfficeClient client(io_.get_executor(), endpoint_);
  ASSERT_TRUE(client.load().has_value());
  ASSERT_TRUE(run(client.heartbeat({{"outbox_waiting", 1}})).has_value());
  index_.postgres()->stop();
  EXPECT_FALSE(run(client.heartbeat({{"outbox_waiting", 2}})).has_value()) << "no database, no acknowledgement";
  index_.postgres()->start();
  ASSERT_EQ(index_.error(), "");
  ASSERT_TRUE(run(client.heartbeat({{"outbox_waiting", 3}})).has_value());
  const auto beats = office_->on_server([](OfficeStore& s) { return s.heartbeats(); });
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_THAT(beats[0].report, HasSubstr("\"outbox_waiting\":3"));
}

INSTANTIATE_TEST_SUITE_P(Index, OfficeClientTest,
                         ::testing::Values(testing::IndexDatabase::kSqlite, testing::IndexDatabase::kPostgres),
                         testing::index_name);
INSTANTIATE_TEST_SUITE_P(Index, OfficeOnPostgresTest, ::testing::Values(testing::IndexDatabase::kPostgres),
                         testing::index_name);

}  // namespace
}  // namespace kiosk::sync
