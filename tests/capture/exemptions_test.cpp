// Fingerprint exemptions, table-driven: each rule at its boundary, combinations, and facts that
// cannot be true.
#include <gtest/gtest.h>

#include "capture/finger/exemptions.hpp"

namespace kiosk::finger {
namespace {

using namespace std::chrono;

constexpr year_month_day kToday = 2026y / November / 21d;

struct Case {
  const char* name;
  year_month_day birth;
  const char* category;
  std::optional<year_month_day> previous_prints;
  int fingers_missing;
  std::vector<ExemptionReason> expected;
};

class ExemptionTest : public ::testing::TestWithParam<Case> {};

TEST_P(ExemptionTest, AppliesTheConfiguredRules) {
  const Case& c = GetParam();
  const config::FingerprintRules rules;  // the shipped defaults: 14, 70, dip/off/courtesy, 5 y
  const auto result = exemptions(rules, {c.birth, kToday, c.category, c.previous_prints,
                                         c.fingers_missing});
  ASSERT_TRUE(result.has_value()) << result.error();
  std::vector<ExemptionReason> reasons;
  for (const auto& e : *result) {
    reasons.push_back(e.reason);
    EXPECT_FALSE(e.detail.empty());
  }
  EXPECT_EQ(reasons, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ExemptionTest,
    ::testing::Values(
        Case{"adult_tourist_gives_prints", 1990y / March / 4d, "L", std::nullopt, 0, {}},
        Case{"thirteen_is_exempt", 2012y / November / 22d, "L", std::nullopt, 0,
             {ExemptionReason::kUnderAge}},
        Case{"fourteenth_birthday_today_is_not", 2012y / November / 21d, "L", std::nullopt, 0, {}},
        Case{"sixtynine_gives_prints", 1956y / November / 22d, "L", std::nullopt, 0, {}},
        Case{"seventieth_birthday_today_is_exempt", 1956y / November / 21d, "L", std::nullopt, 0,
             {ExemptionReason::kOverAge}},
        Case{"diplomatic_category", 1980y / January / 1d, "diplomatic", std::nullopt, 0,
             {ExemptionReason::kVisaCategory}},
        Case{"courtesy_category", 1980y / January / 1d, "courtesy", std::nullopt, 0,
             {ExemptionReason::kVisaCategory}},
        Case{"category_names_are_exact", 1980y / January / 1d, "Diplomatic", std::nullopt, 0, {}},
        Case{"prints_four_years_ago", 1980y / January / 1d, "M", 2022y / June / 1d, 0,
             {ExemptionReason::kRecentPrints}},
        Case{"prints_exactly_five_years_ago", 1980y / January / 1d, "M", 2021y / November / 21d, 0,
             {ExemptionReason::kRecentPrints}},
        Case{"prints_five_years_and_a_day_ago", 1980y / January / 1d, "M",
             2021y / November / 20d, 0, {}},
        Case{"all_ten_missing", 1980y / January / 1d, "Z", std::nullopt, 10,
             {ExemptionReason::kNoFingerPrintable}},
        Case{"nine_missing_still_gives_one", 1980y / January / 1d, "Z", std::nullopt, 9, {}},
        Case{"child_diplomat_has_both_reasons", 2020y / May / 5d, "diplomatic", std::nullopt, 0,
             {ExemptionReason::kUnderAge, ExemptionReason::kVisaCategory}}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(Age, LeapDayBirthdayComesOnTheFirstOfMarchInACommonYear) {
  EXPECT_EQ(age_on(2012y / February / 29d, 2026y / February / 28d), 13);
  EXPECT_EQ(age_on(2012y / February / 29d, 2026y / March / 1d), 14);
  EXPECT_EQ(age_on(2012y / February / 29d, 2028y / February / 29d), 16);
}

TEST(Exemptions, RulesComeFromConfiguration) {
  config::FingerprintRules rules;
  rules.exempt_below_age = 12;
  rules.exempt_from_age = 0;  // no upper limit
  rules.exempt_visa_categories = {"official"};
  const auto thirteen = exemptions(rules, {2013y / January / 1d, kToday, "diplomatic", {}, 0});
  ASSERT_TRUE(thirteen.has_value());
  EXPECT_TRUE(thirteen->empty()) << "13, not exempt under a 12-year rule, nor as a diplomat";
  const auto ninety = exemptions(rules, {1936y / January / 1d, kToday, "L", {}, 0});
  ASSERT_TRUE(ninety.has_value());
  EXPECT_TRUE(ninety->empty()) << "no upper age limit";
}

TEST(Exemptions, ImpossibleFactsAreRefused) {
  const config::FingerprintRules rules;
  EXPECT_FALSE(exemptions(rules, {2027y / January / 1d, kToday, "L", {}, 0}).has_value());
  EXPECT_FALSE(exemptions(rules, {1990y / February / 30d, kToday, "L", {}, 0}).has_value());
  EXPECT_FALSE(exemptions(rules, {1990y / January / 1d, kToday, "L", 2027y / January / 1d, 0})
                   .has_value());
  EXPECT_FALSE(exemptions(rules, {1990y / January / 1d, kToday, "L", {}, 11}).has_value());
}

TEST(Exemptions, DetailSaysWhy) {
  const auto e = exemptions(config::FingerprintRules{}, {2015y / June / 1d, kToday, "L", {}, 0});
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->size(), 1u);
  EXPECT_EQ(e->front().detail, "age 11 on 2026-11-21");
}

}  // namespace
}  // namespace kiosk::finger
