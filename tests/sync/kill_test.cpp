// A kiosk killed (SIGKILL) at random instants while it seals, queues and uploads, restarted each
// time, ends with every packet at the central office exactly once.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "sync/outbox.hpp"
#include "tests/support/office.hpp"

extern char** environ;

namespace kiosk::sync {
namespace {

using namespace std::chrono_literals;

pid_t spawn_sender(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

// Runs a sender to its end: its wait status.
int run_to_end(const std::vector<std::string>& args) {
  const pid_t pid = spawn_sender(args);
  int status = -1;
  if (pid > 0) ::waitpid(pid, &status, 0);
  return status;
}

std::size_t files_in(const std::filesystem::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

std::vector<std::string> sender_args(const std::filesystem::path& outbox,
                                     const std::filesystem::path& pki, unsigned short port,
                                     int packets) {
  return {KIOSK_SENDER_BINARY, outbox.string(),         pki.string(), "KIOSK-7",
          std::to_string(port), "applicant", std::to_string(packets)};
}

TEST(KillTest, EveryPacketArrivesExactlyOnceWhateverInstantTheKioskDies) {
  testing::ScratchDir pki, kiosk, store;
  testing::make_pki(pki.path());
  constexpr int kPackets = 20;
  // How long the whole work takes on this machine, now: one sender left alone, against an office
  // of its own. The kill instants are drawn against it, so that on a fast machine and a busy one
  // alike the kills fall all through the work, not after it.
  std::chrono::steady_clock::duration whole{};
  {
    testing::ScratchDir kiosk_alone, store_alone;
    testing::Office office(pki.path(), store_alone.path());
    const auto start = std::chrono::steady_clock::now();
    const int status = run_to_end(sender_args(kiosk_alone / "outbox", pki.path(), office.port(), kPackets));
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    whole = std::chrono::steady_clock::now() - start;
  }
  const auto longest = std::max<std::chrono::microseconds::rep>(
      1000, std::chrono::duration_cast<std::chrono::microseconds>(whole).count() / 25);

  testing::Office office(pki.path(), store.path());
  const auto args = sender_args(kiosk / "outbox", pki.path(), office.port(), kPackets);
  std::mt19937 rng(20261121);
  int killed = 0, killed_mid_upload = 0;
  bool finished = false;
  for (int round = 0; round < 400 && !finished; ++round) {
    const pid_t pid = spawn_sender(args);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % longest));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++killed;
      const auto received = files_in(store / "packets");
      if (received > 0 && received < kPackets) ++killed_mid_upload;
    } else {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the sender failed on its own in round " << round;
      finished = true;
    }
  }
  std::printf("whole work alone %lld ms; %d kills, %d of them with some packets at the office\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(whole).count()),
              killed, killed_mid_upload);
  EXPECT_GT(killed, 25) << "too few kills landed before the work was done";
  EXPECT_GE(killed_mid_upload, 10) << "too few kills landed while uploading";
  // Then left alone, it finishes.
  const int status = run_to_end(args);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

  auto outbox = Outbox::attach(kiosk / "outbox");
  ASSERT_TRUE(outbox.has_value());
  const auto entries = *outbox->list();
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kPackets));
  auto opener = PacketOpener::load(pki / "office-packet.pem", pki / "office-packet.key",
                                   pki / "ca.pem");
  ASSERT_TRUE(opener.has_value());
  std::set<std::string> stored;
  for (const auto& f : std::filesystem::directory_iterator(store / "packets")) {
    stored.insert(f.path().stem().string());
  }
  EXPECT_EQ(stored.size(), static_cast<std::size_t>(kPackets)) << "a packet missing or twice";
  for (const auto& e : entries) {
    EXPECT_EQ(e.state, PacketState::kAcknowledged) << e.id;
    const auto view = office.on_server([&](OfficeStore& s) { return s.head(e.id); });
    ASSERT_EQ(view.outcome, StoreOutcome::kOk) << e.id;
    EXPECT_EQ(view.info.state, UploadInfo::State::kReceived) << e.id;
    EXPECT_EQ(view.info.sha256, e.sha256) << e.id << ": the office holds another sealing";
    const std::string bytes = testing::read_file(store / "packets" / (e.id + ".cms"));
    const auto opened = opener->open(bytes);
    ASSERT_TRUE(opened.has_value()) << e.id << ": " << opened.error();
    EXPECT_EQ(opened->manifest["packet_id"], e.id);
  }
}

}  // namespace
}  // namespace kiosk::sync
