// Technician mode's PIN: the right one opens it, five wrong ones lock it for a while that grows
// with each lock-out, and neither a restart nor the right PIN during the lock-out gets round it.
#include <chrono>

#include <gtest/gtest.h>

#include "kiosk/technician/technician_gate.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::app {
namespace {

using namespace std::chrono_literals;
using Kind = GateRefusal::Kind;

class TechnicianGateTest : public ::testing::Test {
 protected:
  testing::ScratchDir dir_;
  std::string hash_ = hash_pin("2468", 1000);
  std::filesystem::path state_ = dir_ / "technician.json";
  TechnicianGate::Clock::time_point t_ = TechnicianGate::Clock::time_point(std::chrono::seconds(1'800'000'000));

  void fail_times(TechnicianGate& gate, int n) {
    for (int i = 0; i < n; ++i) ASSERT_FALSE(gate.open("0000", t_ += 1s));
  }
};

TEST(TechnicianPin, IsKeptOnlyAsASaltedHash) {
  const std::string a = hash_pin("2468", 1000), b = hash_pin("2468", 1000);
  EXPECT_EQ(a.rfind("pbkdf2-sha256$1000$", 0), 0u) << a;
  EXPECT_EQ(a.find("2468", 19), std::string::npos);
  EXPECT_NE(a, b) << "each hash has its own salt";
  EXPECT_TRUE(pin_matches("2468", a));
  EXPECT_TRUE(pin_matches("2468", b));
  EXPECT_FALSE(pin_matches("2469", a));
  EXPECT_FALSE(pin_matches("2468", "2468"));
  EXPECT_FALSE(pin_matches("2468", "pbkdf2-sha256$1000$zz$00"));
}

TEST_F(TechnicianGateTest, TheRightPinOpensASessionThatLapsesWhenLeftAlone) {
  TechnicianGate gate(hash_, state_);
  auto token = gate.open("2468", t_);
  ASSERT_TRUE(token);
  EXPECT_TRUE(gate.admits(*token, t_ += 60s));
  EXPECT_FALSE(gate.admits(std::string(token->size(), '0'), t_));
  EXPECT_TRUE(gate.admits(*token, t_ += kTechnicianIdle - 1s)) << "each use extends the session";
  EXPECT_FALSE(gate.admits(*token, t_ += kTechnicianIdle + 1s));
}

TEST_F(TechnicianGateTest, FiveWrongPinsLockItAndTheRightPinDoesNotOpenItDuringTheLockOut) {
  TechnicianGate gate(hash_, state_);
  for (int left = kMaxFailures - 1; left > 0; --left) {
    auto refused = gate.open("1111", t_ += 1s);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, Kind::kWrongPin);
    EXPECT_EQ(refused.error().attempts_left, left);
  }
  auto locked = gate.open("1111", t_ += 1s);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().kind, Kind::kLockedOut);
  EXPECT_EQ(locked.error().locked_until, t_ + kFirstLockout);

  auto still = gate.open("2468", t_ += kFirstLockout - 10s);
  ASSERT_FALSE(still) << "the right PIN does not end a lock-out";
  EXPECT_EQ(still.error().kind, Kind::kLockedOut);
  EXPECT_TRUE(gate.open("2468", t_ += 20s)) << "after the lock-out, the right PIN opens it";
}

TEST_F(TechnicianGateTest, ALockOutSurvivesARestartAndTheNextOneIsLonger) {
  {
    TechnicianGate gate(hash_, state_);
    fail_times(gate, kMaxFailures);
  }
  TechnicianGate restarted(hash_, state_);
  auto refused = restarted.open("2468", t_ += 1s);
  ASSERT_FALSE(refused) << "pulling the plug does not reset the lock-out";
  EXPECT_EQ(refused.error().kind, Kind::kLockedOut);

  t_ += kFirstLockout;
  fail_times(restarted, kMaxFailures);
  auto second = restarted.open("2468", t_ += 1s);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().locked_until - (t_ - 1s), 2 * kFirstLockout) << "the second lock-out is twice as long";
}

TEST_F(TechnicianGateTest, WithoutAPinConfiguredTechnicianModeCannotBeOpened) {
  TechnicianGate gate("", state_);
  auto refused = gate.open("", t_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Kind::kNoPinSet);
}

}  // namespace
}  // namespace kiosk::app
