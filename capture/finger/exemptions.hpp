// Fingerprint exemptions, decided before capture from the applicant's facts and the configured
// rules. Every rule that applies is returned with its reason, for the record.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace kiosk::finger {

enum class ExemptionReason {
  kUnderAge,           // younger than exempt_below_age
  kOverAge,            // exempt_from_age or older
  kVisaCategory,       // diplomatic, official, courtesy...
  kRecentPrints,       // prints already taken on the same passport recently
  kNoFingerPrintable,  // all ten fingers missing
};

struct Exemption {
  ExemptionReason reason;
  std::string detail;  // for the sealed record, e.g. "age 12 on 2026-11-21"; never for a log
};

struct ApplicantFacts {
  std::chrono::year_month_day date_of_birth;     // from the passport's MRZ
  std::chrono::year_month_day application_date;  // today at the kiosk
  std::string visa_category;
  std::optional<std::chrono::year_month_day> previous_prints;  // on the same passport
  int fingers_missing = 0;  // marked missing (amputated, unable to print) before capture
};

// Completed years on `day`. Someone born on 29 February turns a year older on 1 March in a
// common year.
int age_on(std::chrono::year_month_day birth, std::chrono::year_month_day day);

// The exemptions that apply, in the order of ExemptionReason; empty when all ten fingers are to
// be taken. Facts that cannot be true (born after the application date...) are refused.
std::expected<std::vector<Exemption>, std::string> exemptions(const config::FingerprintRules& rules,
                                                              const ApplicantFacts& facts);

std::string_view to_string(ExemptionReason reason);
// A stable identifier ("under_age", "over_age", "visa_category", "recent_prints",
// "no_finger_printable") for the UI's message catalogues ("exemption.<id>").
std::string_view exemption_id(ExemptionReason reason);

}  // namespace kiosk::finger
