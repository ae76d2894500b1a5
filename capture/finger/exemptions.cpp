// Fingerprint exemption rules.
#include "capture/finger/exemptions.hpp"

#include <algorithm>

#include "config/utc_text.hpp"

namespace kiosk::finger {

using namespace std::chrono;

int age_on(year_month_day birth, year_month_day day) {
  int age = static_cast<int>(day.year()) - static_cast<int>(birth.year());
  const bool before_birthday =
      day.month() < birth.month() || (day.month() == birth.month() && day.day() < birth.day());
  return before_birthday ? age - 1 : age;
}

std::expected<std::vector<Exemption>, std::string> exemptions(const config::FingerprintRules& rules,
                                                              const ApplicantFacts& facts) {
  if (!facts.date_of_birth.ok() || !facts.application_date.ok()) {
    return std::unexpected("the date of birth or the application date is not a calendar date");
  }
  if (sys_days(facts.date_of_birth) > sys_days(facts.application_date)) {
    return std::unexpected("the date of birth is after the application date");
  }
  if (facts.previous_prints &&
      (!facts.previous_prints->ok() ||
       sys_days(*facts.previous_prints) > sys_days(facts.application_date))) {
    return std::unexpected("the previous prints are dated after the application date");
  }
  if (facts.fingers_missing < 0 || facts.fingers_missing > 10) {
    return std::unexpected("between 0 and 10 fingers can be missing");
  }

  std::vector<Exemption> out;
  const int age = age_on(facts.date_of_birth, facts.application_date);
  const std::string on = " on " + iso_date(facts.application_date);
  if (age < rules.exempt_below_age) {
    out.push_back({ExemptionReason::kUnderAge, "age " + std::to_string(age) + on});
  }
  if (rules.exempt_from_age > 0 && age >= rules.exempt_from_age) {
    out.push_back({ExemptionReason::kOverAge, "age " + std::to_string(age) + on});
  }
  const auto& categories = rules.exempt_visa_categories;
  if (std::find(categories.begin(), categories.end(), facts.visa_category) != categories.end()) {
    out.push_back({ExemptionReason::kVisaCategory, "visa category " + facts.visa_category});
  }
  if (facts.previous_prints) {
    // Within the last N years, the day N years ago included.
    const year_month_day limit = facts.application_date - years(rules.previous_prints_valid_years);
    const year_month_day cutoff = limit.ok() ? limit : limit.year() / limit.month() / last;
    if (sys_days(*facts.previous_prints) >= sys_days(cutoff)) {
      out.push_back({ExemptionReason::kRecentPrints,
                     "prints taken on " + iso_date(*facts.previous_prints) + " on the same passport"});
    }
  }
  if (facts.fingers_missing == 10) {
    out.push_back({ExemptionReason::kNoFingerPrintable, "no finger can be printed"});
  }
  return out;
}

std::string_view exemption_id(ExemptionReason reason) {
  switch (reason) {
    case ExemptionReason::kUnderAge: return "under_age";
    case ExemptionReason::kOverAge: return "over_age";
    case ExemptionReason::kVisaCategory: return "visa_category";
    case ExemptionReason::kRecentPrints: return "recent_prints";
    case ExemptionReason::kNoFingerPrintable: return "no_finger_printable";
  }
  return "unknown";
}

std::string_view to_string(ExemptionReason reason) {
  switch (reason) {
    case ExemptionReason::kUnderAge: return "under the minimum age";
    case ExemptionReason::kOverAge: return "over the maximum age";
    case ExemptionReason::kVisaCategory: return "visa category exempt";
    case ExemptionReason::kRecentPrints: return "prints already on file";
    case ExemptionReason::kNoFingerPrintable: return "no finger printable";
  }
  return "exempt";
}

}  // namespace kiosk::finger
