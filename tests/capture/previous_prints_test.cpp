// The local list of recent enrolments: lookups, persistence, the central office's list, and no
// readable passport number in the database file.
#include "capture/finger/previous_prints.hpp"

#include <gtest/gtest.h>

#include "capture/finger/exemptions.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::finger {
namespace {

using namespace std::chrono;

TEST(PreviousPrints, RemembersTheLatestEnrolmentPerPassportAcrossRestarts) {
  testing::ScratchDir dir;
  {
    auto prints = PreviousPrints::open(dir / "kiosk.db", "office-key");
    ASSERT_TRUE(prints.has_value()) << prints.error();
    ASSERT_TRUE(prints->add("UTO", "L898902C3", year(2023) / 3 / 1).has_value());
    ASSERT_TRUE(prints->add("UTO", "L898902C3", year(2024) / 6 / 15).has_value());
    ASSERT_TRUE(prints->add("UTO", "L898902C3", year(2022) / 1 / 1).has_value()) << "older: kept";
  }
  auto prints = PreviousPrints::open(dir / "kiosk.db", "office-key");
  ASSERT_TRUE(prints.has_value());
  const auto last = prints->last_prints("UTO", "L898902C3");
  ASSERT_TRUE(last.has_value()) << last.error();
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(**last, year(2024) / 6 / 15);
  EXPECT_FALSE(prints->last_prints("UTO", "X1234567")->has_value());
  EXPECT_FALSE(prints->last_prints("D", "L898902C3")->has_value()) << "another state's passport";

  const std::string file = testing::read_file(dir / "kiosk.db") +
                           (std::filesystem::exists(dir / "kiosk.db-wal")
                                ? testing::read_file(dir / "kiosk.db-wal")
                                : std::string());
  EXPECT_EQ(file.find("L898902C3"), std::string::npos) << "passport number readable on disk";
}

TEST(PreviousPrints, TheCentralOfficeListReplacesTheTableAndFeedsTheFiveYearRule) {
  testing::ScratchDir dir;
  auto prints = PreviousPrints::open(dir / "kiosk.db", "office-key");
  ASSERT_TRUE(prints.has_value());
  ASSERT_TRUE(prints->add("UTO", "OLD000001", year(2020) / 1 / 1).has_value());
  const std::string id = prints->passport_id("UTO", "L898902C3");
  ASSERT_TRUE(prints->replace_all({{id, year(2021) / 11 / 21}}).has_value());
  EXPECT_FALSE(prints->last_prints("UTO", "OLD000001")->has_value()) << "not on the new list";

  config::FingerprintRules rules;
  ApplicantFacts facts;
  facts.date_of_birth = year(1980) / 5 / 5;
  facts.application_date = year(2026) / 11 / 21;
  facts.visa_category = "tourist";
  facts.previous_prints = *prints->last_prints("UTO", "L898902C3");
  const auto exempt = exemptions(rules, facts);
  ASSERT_TRUE(exempt.has_value());
  ASSERT_EQ(exempt->size(), 1u) << "prints exactly five years ago still count";
  EXPECT_EQ(exempt->front().reason, ExemptionReason::kRecentPrints);

  const auto bad = prints->replace_all({{"not-a-hash", year(2021) / 1 / 1}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("not a passport id"), std::string::npos);
  EXPECT_TRUE(prints->last_prints("UTO", "L898902C3")->has_value()) << "a bad list changes nothing";
}

TEST(PreviousPrints, TheKeyChangesEveryId) {
  testing::ScratchDir dir;
  auto a = PreviousPrints::open(dir / "a.db", "key-a");
  auto b = PreviousPrints::open(dir / "b.db", "key-b");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->passport_id("UTO", "L898902C3"), b->passport_id("UTO", "L898902C3"));
  EXPECT_EQ(a->passport_id("UTO", "L898902C3").size(), 64u);
}

TEST(PreviousPrints, AnUnwritableDatabaseIsAClearError) {
  const auto prints = PreviousPrints::open("/proc/no/such/dir/kiosk.db", "k");
  ASSERT_FALSE(prints.has_value());
  EXPECT_NE(prints.error().find("/proc/no/such/dir/kiosk.db"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::finger
