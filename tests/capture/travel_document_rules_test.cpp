// A service's travel-document rules: the kinds it takes, expiry, and validity beyond the
// application date, with the day the applicant is told the document must outlast.
#include <gtest/gtest.h>

#include "capture/document/travel_document_rules.hpp"
#include "tests/support/services.hpp"

namespace kiosk::document {
namespace {

using testing::renewal_service;
using testing::visa_service;

using namespace std::chrono;

MrzFields passport(year_month_day expiry, std::string code = "P") {
  MrzFields f;
  f.document_code = std::move(code);
  f.date_of_expiry = expiry;
  return f;
}

constexpr year_month_day kToday = 2026y / November / 22d;

TEST(TravelDocumentRules, PassportValidWellBeyondSixMonthsIsAccepted) {
  EXPECT_FALSE(check_travel_document(passport(2031y / March / 1d), visa_service(), kToday));
}

TEST(TravelDocumentRules, ExpiryOnTheDaySixMonthsOnIsTooShortAndTheDayAfterIsEnough) {
  const auto refusal = check_travel_document(passport(2027y / May / 22d), visa_service(), kToday);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->prompt, ScanPrompt::kValidityTooShort);
  EXPECT_EQ(refusal->valid_after, 2027y / May / 22d);
  EXPECT_FALSE(check_travel_document(passport(2027y / May / 23d), visa_service(), kToday));
}

TEST(TravelDocumentRules, ExpiredPassportIsToldApartFromOneExpiringSoon) {
  const auto expired = check_travel_document(passport(2026y / November / 21d), visa_service(), kToday);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->prompt, ScanPrompt::kDocumentExpired);
  // Valid on its last day, but that is far short of six months.
  const auto last_day = check_travel_document(passport(kToday), visa_service(), kToday);
  ASSERT_TRUE(last_day);
  EXPECT_EQ(last_day->prompt, ScanPrompt::kValidityTooShort);
}

TEST(TravelDocumentRules, MonthEndsClampToTheShorterMonth) {
  EXPECT_EQ(months_after(2026y / August / 31d, 6), 2027y / February / 28d);
  EXPECT_EQ(months_after(2027y / August / 31d, 6), 2028y / February / 29d);
  EXPECT_EQ(months_after(2026y / November / 22d, 6), 2027y / May / 22d);
}

TEST(TravelDocumentRules, IdCardIsNotAcceptedWhereOnlyPassportsAre) {
  const auto refusal = check_travel_document(passport(2031y / March / 1d, "ID"), visa_service(), kToday);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->prompt, ScanPrompt::kDocumentNotAccepted);
  // A diplomatic passport's code starts with P: "P" takes it.
  EXPECT_FALSE(check_travel_document(passport(2031y / March / 1d, "PD"), visa_service(), kToday));
}

TEST(TravelDocumentRules, RenewalTakesAnExpiredPassport) {
  config::Service renewal = renewal_service();
  EXPECT_FALSE(check_travel_document(passport(2019y / January / 1d), renewal, kToday));
  renewal.min_validity_months = 0;  // valid today is enough
  EXPECT_FALSE(check_travel_document(passport(kToday), renewal, kToday));
  EXPECT_TRUE(check_travel_document(passport(2026y / November / 21d), renewal, kToday));
}

TEST(ScanPrompts, ScannerProblemsBecomeTheApplicantsOrTheTechniciansMatter) {
  EXPECT_EQ(prompt_id(ScanPrompt::kValidityTooShort), "passport.validity_too_short");
  EXPECT_EQ(prompt_for(drivers::Problem{drivers::ProblemCode::kCoverOpen, ""}), ScanPrompt::kCloseCover);
  EXPECT_EQ(prompt_for(drivers::Problem{drivers::ProblemCode::kIo, ""}), ScanPrompt::kScannerUnavailable);
}

}  // namespace
}  // namespace kiosk::document
