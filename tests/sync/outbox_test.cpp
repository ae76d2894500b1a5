// The outbox keeps every packet it accepted through restarts and kills, sends the oldest first,
// waits after failures, and frees the disk only after the office acknowledged.
#include "sync/outbox.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <poll.h>

#include <array>
#include <fstream>
#include <random>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace kiosk::sync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

SealedPacket packet(const std::string& id, std::size_t size = 4096) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + id.size() * 7 + id[0]) % 256);
  return {id, bytes, sha256_hex(bytes)};
}

OutboxLimits roomy() {
  OutboxLimits l;
  l.reserve_bytes = 0;
  l.applicant_bytes = 1;
  return l;
}

TEST(Outbox, AcceptsAPacketOnceAndReadsItBack) {
  testing::ScratchDir dir;
  auto outbox = Outbox::open(dir.path(), roomy());
  ASSERT_TRUE(outbox.has_value()) << outbox.error();
  const SealedPacket p = packet("a1");
  ASSERT_TRUE(outbox->enqueue(p).has_value());
  ASSERT_TRUE(outbox->enqueue(p).has_value()) << "the same packet again is a success";
  auto other = p;
  other.bytes += "x";
  other.sha256 = sha256_hex(other.bytes);
  EXPECT_THAT(outbox->enqueue(other).error(), HasSubstr("already queued with other contents"));
  EXPECT_THAT(outbox->enqueue(packet("../etc")).error(), HasSubstr("not a packet id"));

  EXPECT_EQ(*outbox->read("a1"), p.bytes);
  const auto status = outbox->status();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->count.at(PacketState::kSealed), 1);
  EXPECT_EQ(status->bytes_waiting, p.bytes.size());
  EXPECT_EQ(std::filesystem::status(dir / "packets/a1.cms").permissions() &
                std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST(Outbox, OldestFirstWaitAfterFailureAcknowledgeThenPurgeAfterGrace) {
  testing::ScratchDir dir;
  auto outbox = Outbox::open(dir.path(), roomy());
  ASSERT_TRUE(outbox.has_value());
  const auto t0 = Clock::now();
  ASSERT_TRUE(outbox->enqueue(packet("first"), t0).has_value());
  ASSERT_TRUE(outbox->enqueue(packet("second"), t0 + 1s).has_value());

  EXPECT_EQ((*outbox->next_due(t0 + 2s))->id, "first");
  ASSERT_TRUE(outbox->set_upload_url("first", "/files/first").has_value());
  ASSERT_TRUE(outbox->record_failure("first", "connection reset", t0 + 60s).has_value());
  const auto waiting = *outbox->find("first");
  EXPECT_EQ(waiting->state, PacketState::kUploading);
  EXPECT_EQ(waiting->attempts, 1);
  EXPECT_EQ(waiting->last_error, "connection reset");
  EXPECT_EQ(waiting->upload_url, "/files/first");
  EXPECT_EQ((*outbox->next_due(t0 + 2s))->id, "second") << "first waits out its back-off";
  ASSERT_TRUE(outbox->retry_now("first").has_value());
  EXPECT_EQ((*outbox->next_due(t0 + 2s))->id, "first") << "the technician's retry";

  ASSERT_TRUE(outbox->acknowledge("first", t0 + 3s).has_value());
  ASSERT_TRUE(outbox->acknowledge("first", t0 + 4s).has_value()) << "twice is harmless";
  EXPECT_EQ((*outbox->next_due(t0 + 5s))->id, "second");
  EXPECT_EQ(*outbox->purge(t0 + 4s, 3600s), 0) << "within the grace period";
  EXPECT_TRUE(std::filesystem::exists(dir / "packets/first.cms"));
  EXPECT_EQ(*outbox->purge(t0 + 3s + 3600s, 3600s), 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "packets/first.cms")) << "gone once the office has it";
  EXPECT_EQ((*outbox->find("first"))->state, PacketState::kPurged);
  EXPECT_TRUE(outbox->enqueue(packet("first"), t0 + 2h).has_value()) << "a late re-send is no new entry";
  EXPECT_EQ((*outbox->find("first"))->state, PacketState::kPurged);
  const auto status = *outbox->status();
  EXPECT_EQ(status.bytes_on_disk, packet("second").bytes.size());
}

TEST(Outbox, RecoversFromEveryPointAWriteCanStop) {
  testing::ScratchDir dir;
  {
    auto outbox = Outbox::open(dir.path(), roomy());
    ASSERT_TRUE(outbox.has_value());
    ASSERT_TRUE(outbox->enqueue(packet("gone")).has_value());
    ASSERT_TRUE(outbox->acknowledge("gone").has_value());
    ASSERT_TRUE(outbox->purge(Clock::now() + 1h, 0s).has_value());
  }
  // A write cut before its rename, a rename not yet recorded, a purge cut before the delete.
  std::ofstream(dir / "packets/.half.cms.tmp") << "partial";
  const SealedPacket whole = packet("whole", 10000);
  std::ofstream(dir / "packets/whole.cms", std::ios::binary) << whole.bytes;
  std::ofstream(dir / "packets/gone.cms") << "outlived its purge";

  auto outbox = Outbox::open(dir.path(), roomy());
  ASSERT_TRUE(outbox.has_value()) << outbox.error();
  EXPECT_FALSE(std::filesystem::exists(dir / "packets/.half.cms.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir / "packets/gone.cms"));
  const auto recorded = *outbox->find("whole");
  ASSERT_TRUE(recorded.has_value()) << "a whole packet is never dropped";
  EXPECT_EQ(recorded->sha256, whole.sha256);
  EXPECT_EQ(recorded->state, PacketState::kSealed);
}

TEST(Outbox, SaysBeforeTheApplicantStartsWhenItIsFull) {
  testing::ScratchDir dir;
  OutboxLimits limits = roomy();
  limits.quota_bytes = 10000;
  limits.applicant_bytes = 4000;
  auto outbox = Outbox::open(dir.path(), limits);
  ASSERT_TRUE(outbox.has_value());
  EXPECT_TRUE(outbox->admit().has_value());
  ASSERT_TRUE(outbox->enqueue(packet("p1", 7000)).has_value());
  const auto full = outbox->admit();
  ASSERT_FALSE(full.has_value());
  EXPECT_THAT(full.error(), HasSubstr("the outbox is full"));
  ASSERT_TRUE(outbox->acknowledge("p1").has_value());
  ASSERT_TRUE(outbox->purge(Clock::now(), 0s).has_value());
  EXPECT_TRUE(outbox->admit().has_value()) << "room again once sent and purged";

  outbox = std::unexpected(std::string("closed"));
  limits.reserve_bytes = std::uint64_t{1} << 60;  // more free space than any disk has
  auto tight = Outbox::open(dir.path(), limits);
  ASSERT_TRUE(tight.has_value());
  EXPECT_THAT(tight->admit().error(), HasSubstr("disk is nearly full"));
}

TEST(Outbox, OneKioskOwnsItAndTheTechniciansToolsLookIn) {
  testing::ScratchDir dir;
  auto kiosk = Outbox::open(dir.path(), roomy());
  ASSERT_TRUE(kiosk.has_value());
  ASSERT_TRUE(kiosk->enqueue(packet("p1")).has_value());
  EXPECT_THAT(Outbox::open(dir.path(), roomy()).error(), HasSubstr("in use by another kiosk process"));
  auto tool = Outbox::attach(dir.path());
  ASSERT_TRUE(tool.has_value()) << tool.error();
  EXPECT_EQ(tool->status()->count.at(PacketState::kSealed), 1);
  ASSERT_TRUE(tool->record_failure("p1", "link down", Clock::now() + 1h).has_value());
  ASSERT_TRUE(tool->retry_now("p1").has_value());
  EXPECT_EQ((*kiosk->next_due())->id, "p1");
  EXPECT_THAT(Outbox::attach(dir / "elsewhere").error(), HasSubstr("no outbox"));
}

TEST(Outbox, ABrokenLocationIsAClearError) {
  const auto outbox = Outbox::open("/proc/self/no-outbox-here");
  ASSERT_FALSE(outbox.has_value());
  EXPECT_THAT(outbox.error(), HasSubstr("/proc/self/no-outbox-here"));
}

// The ids a child reports on `fd`, one a line, read until `count` more have come (or the pipe
// closes, or 30 s pass: a broken child must not hang the test).
void read_reports(int fd, std::string& pending, std::set<std::string>& reported, std::size_t count) {
  const std::size_t wanted = count > SIZE_MAX - reported.size() ? SIZE_MAX : reported.size() + count;
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  std::array<char, 4096> buffer;
  while (reported.size() < wanted && std::chrono::steady_clock::now() < give_up) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) return;
    pending.append(buffer.data(), static_cast<std::size_t>(n));
    for (std::size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
      reported.insert(pending.substr(0, end));
    }
  }
}

// A kiosk killed (SIGKILL) at random instants while it queues packets: after every restart each
// packet it had reported queued is there, whole, exactly once, and nothing else is: no row
// without its file, no file without its row, no leftover of a write the kill cut short. Each
// round kills once the child has reported queuing one to three packets, at a random instant
// after that, so that a slow machine kills as far into the work as a fast one.
TEST(Outbox, KilledAtRandomInstantsLosesNothingItAccepted) {
  testing::ScratchDir dir;
  std::mt19937 rng(20261121);
  std::set<std::string> reported;
  int next = 0;
  for (int round = 0; round < 25; ++round) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const int first = next;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      auto outbox = Outbox::open(dir.path(), roomy());
      if (!outbox) ::_exit(3);
      for (int i = first;; ++i) {
        const std::string id = "k" + std::to_string(i);
        if (!outbox->enqueue(packet(id, 20000 + static_cast<std::size_t>(i % 7) * 1000))) ::_exit(4);
        const std::string line = id + "\n";
        if (::write(pipe_fds[1], line.data(), line.size()) < 0) ::_exit(5);
      }
    }
    ::close(pipe_fds[1]);
    const std::size_t before = reported.size();
    std::string pending;
    read_reports(pipe_fds[0], pending, reported, 1 + rng() % 3);
    ASSERT_GT(reported.size(), before) << "round " << round << ": the child queued nothing";
    // A random instant from here: mid-write, mid-rename, mid-record or between packets.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 4000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed on its own, status " << status;
    read_reports(pipe_fds[0], pending, reported, SIZE_MAX);  // the rest, to the pipe's end
    ::close(pipe_fds[0]);
    for (const std::string& id : reported) next = std::max(next, std::stoi(id.substr(1)) + 1);
    next += 1;  // the one the kill may have cut: never reported, so never counted

    auto outbox = Outbox::open(dir.path(), roomy());
    ASSERT_TRUE(outbox.has_value()) << "round " << round << ": " << outbox.error();
    const auto all = *outbox->list();
    std::set<std::string> ids;
    for (const auto& e : all) {
      EXPECT_TRUE(ids.insert(e.id).second) << e.id << " twice";
      const auto bytes = outbox->read(e.id);
      ASSERT_TRUE(bytes.has_value()) << e.id;
      EXPECT_EQ(sha256_hex(*bytes), e.sha256) << e.id << " is damaged";
    }
    for (const auto& id : reported) EXPECT_TRUE(ids.contains(id)) << id << " was lost";
    // On disk: exactly one file per row, none half-written (recovery removed them).
    std::set<std::string> files;
    for (const auto& f : std::filesystem::directory_iterator(dir / "packets")) {
      const std::string name = f.path().filename().string();
      EXPECT_TRUE(name.ends_with(".cms")) << "round " << round << ": leftover " << name;
      files.insert(f.path().stem().string());
    }
    EXPECT_EQ(files, ids) << "round " << round << ": rows and files disagree";
  }
  EXPECT_GE(reported.size(), 25u) << "every round queued at least one";
}

}  // namespace
}  // namespace kiosk::sync
