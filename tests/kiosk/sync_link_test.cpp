// The kiosk's link to the office as the configuration sets it up: a record sealed and queued
// there reaches a real office server; without keys no applicant is let in.
#include "kiosk/sync_link.hpp"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "capture/finger/previous_prints.hpp"
#include "sync/config_bundle.hpp"
#include "tests/support/office.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::app {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

config::Config kiosk_config(const std::filesystem::path& state, const std::filesystem::path& pki,
                            unsigned short port) {
  config::Config c;
  c.kiosk.id = "KIOSK-9";
  c.kiosk.state_dir = state;
  c.sync.enabled = true;
  c.sync.office_port = port;
  c.sync.office_ca = pki / "ca.pem";
  c.sync.certificate = pki / "kiosk-KIOSK-9.pem";
  c.sync.key = pki / "kiosk-KIOSK-9.key";
  c.sync.office_packet_certificate = pki / "office-packet.pem";
  c.sync.disk_reserve_bytes = 0;
  return c;
}

TEST(SyncLink, ARecordQueuedAtTheKioskReachesTheOffice) {
  testing::ScratchDir pki, state, store;
  testing::make_pki(pki.path(), "KIOSK-9");
  testing::Office office(pki.path(), store.path());
  boost::asio::io_context io;
  SyncLink link = start_sync(io.get_executor(), kiosk_config(state.path(), pki.path(), office.port()));
  ASSERT_TRUE(link.ready_for_applicant().has_value()) << link.ready_for_applicant().error();
  ASSERT_TRUE(link.uploader);

  sync::PacketContents contents{sync::new_packet_id(), {{"service", "passport-renewal"}},
                                {{"enrolment.an2", "application/vnd.ansi-nist-itl", "record"}}};
  const auto sealed = link.sealer->seal(contents);
  ASSERT_TRUE(sealed.has_value()) << sealed.error();
  ASSERT_TRUE(link.outbox->enqueue(*sealed).has_value());
  link.uploader->poke();
  ASSERT_TRUE(testing::run_until(io, [&] {
    const auto e = link.outbox->find(sealed->id);
    return e && *e && (*e)->state == sync::PacketState::kAcknowledged;
  }, 20s)) << (*link.outbox->find(sealed->id))->last_error;
  link.uploader->stop();
  EXPECT_TRUE(std::filesystem::exists(store / "packets" / (sealed->id + ".cms")));

  // The heartbeat tells the office that nothing is waiting any more, and (no grace here) the
  // delivered packet leaves the kiosk.
  config::Config config = kiosk_config(state.path(), pki.path(), office.port());
  config.sync.purge_grace = std::chrono::hours(0);
  link.devices = {{"fingerprint", {{"ok", true}}}, {"scanner", {{"ok", false}}}, {"camera", {{"ok", true}}}};
  start_heartbeat(io.get_executor(), config, link);
  ASSERT_TRUE(testing::run_until(io, [&] {
    return !office.on_server([](sync::OfficeStore& s) { return s.heartbeats(); }).empty();
  }, 20s));
  *link.running = false;
  const auto beat = office.on_server([](sync::OfficeStore& s) { return s.heartbeats(); }).front();
  EXPECT_EQ(beat.kiosk, "KIOSK-9");
  const auto report = nlohmann::json::parse(beat.report);
  EXPECT_EQ(report["outbox"]["bytes_waiting"], 0);
  EXPECT_EQ(report["outbox"]["packets"]["purged"], 1);
  EXPECT_FALSE(std::filesystem::exists(state / "outbox" / "packets" / (sealed->id + ".cms")));
  EXPECT_TRUE(report["accepting_applicants"].get<bool>());
  // What the office needs to look after the kiosk from afar.
  EXPECT_FALSE(report["version"].get<std::string>().empty());
  EXPECT_FALSE(report["devices"]["scanner"]["ok"].get<bool>()) << "the office sees the scanner is down";
  EXPECT_TRUE(report["last_delivery"].is_string()) << report.dump();
  EXPECT_TRUE(report["last_failure"].is_null()) << report.dump();
  EXPECT_EQ(beat.report.find("passport-renewal"), std::string::npos) << "no applicant data";
}

TEST(SyncLink, TheOfficesSignedConfigurationIsInstalledAndRulesTheNextStart) {
  testing::ScratchDir pki, state, store;
  testing::make_pki(pki.path(), "KIOSK-9");
  testing::Office office(pki.path(), store.path());
  boost::asio::io_context io;
  config::Config config = kiosk_config(state.path(), pki.path(), office.port());
  SyncLink link = start_sync(io.get_executor(), config);

  // The office publishes version 3: a stricter thumb, and the list of recent enrolments.
  const std::string key = "office-secret";
  auto list = finger::PreviousPrints::open(state / "scratch.db", key);
  const std::string id = list->passport_id("UTO", "L898902C3");
  const nlohmann::json settings = {
      {"version", 3},
      {"fingerprint_rules", {{"min_quality", {{"thumb", 45}}}}},
      {"previous_prints", {{"key", key}, {"entries", {{{"passport_id", id}, {"date", "2024-02-29"}}}}}}};
  const auto signed_bundle =
      sync::sign_bundle(settings, pki / "office-sign.pem", pki / "office-sign.key");
  ASSERT_TRUE(signed_bundle.has_value()) << signed_bundle.error();
  ASSERT_TRUE(office.on_server([&](sync::OfficeStore& s) {
    return s.publish_bundle(3, *signed_bundle);
  }).has_value());

  start_heartbeat(io.get_executor(), config, link);
  ASSERT_TRUE(testing::run_until(io, [&] { return link.config_version == 3; }, 20s));
  *link.running = false;
  EXPECT_EQ(config.fingerprint_rules.min_quality_for(1), 30) << "not before the next start";

  config::Config next = kiosk_config(state.path(), pki.path(), office.port());
  EXPECT_EQ(apply_stored_bundle(next), 3);
  EXPECT_EQ(next.fingerprint_rules.min_quality_for(1), 45);
  EXPECT_EQ(next.fingerprint_rules.min_quality_for(2), 30) << "what the bundle leaves alone stays";
  auto prints = finger::PreviousPrints::open(state / "kiosk.db", next.fingerprint_rules.previous_prints_key);
  ASSERT_TRUE(prints.has_value());
  const auto last = prints->last_prints("UTO", "L898902C3");
  ASSERT_TRUE(last && *last);
  EXPECT_EQ(**last, std::chrono::year(2024) / 2 / 29);

  // A bundle signed by anyone but the office's configuration key is refused.
  const auto forged = sync::sign_bundle({{"version", 9}}, pki / "kiosk-KIOSK-9.pem", pki / "kiosk-KIOSK-9.key");
  ASSERT_TRUE(forged.has_value());
  EXPECT_THAT(sync::verify_bundle(*forged, pki / "ca.pem").error(), HasSubstr("not by the office"));
  std::ofstream(state / "config-bundle.cms", std::ios::binary) << *forged;
  config::Config tampered = kiosk_config(state.path(), pki.path(), office.port());
  EXPECT_EQ(apply_stored_bundle(tampered), 0);
  EXPECT_EQ(tampered.fingerprint_rules.min_quality_for(1), 30);
}

TEST(SyncLink, WithoutItsKeysTheKioskTakesNoApplicant) {
  testing::ScratchDir state;
  boost::asio::io_context io;
  const SyncLink link = start_sync(io.get_executor(), kiosk_config(state.path(), "/nonexistent", 1));
  const auto ready = link.ready_for_applicant();
  ASSERT_FALSE(ready.has_value());
  EXPECT_THAT(ready.error(), HasSubstr("cannot seal"));
}

}  // namespace
}  // namespace kiosk::app
