// The service's rules for the travel document an applicant scans: the kinds of document it takes
// and how long the document must stay valid after the application date.
#pragma once

#include <chrono>
#include <optional>

#include "capture/document/mrz.hpp"
#include "capture/document/scan_prompt.hpp"
#include "config/services.hpp"

namespace kiosk::document {

struct DocumentRefusal {
  ScanPrompt prompt = ScanPrompt::kDocumentNotAccepted;  // not accepted, expired, too short
  // For kValidityTooShort: the document must be valid after this day, for the applicant's screen.
  std::optional<std::chrono::year_month_day> valid_after;
};

// The day `months` after `date`; a day the month does not have becomes its last (31 August plus
// six months is the last day of February).
std::chrono::year_month_day months_after(std::chrono::year_month_day date, int months);

// Nothing when the document qualifies for `service` on `application_date`. A document valid on
// its expiry day is still valid that day; "more than six months" means its expiry falls after the
// day six months on.
std::optional<DocumentRefusal> check_travel_document(const MrzFields& fields,
                                                     const config::Service& service,
                                                     std::chrono::year_month_day application_date);

}  // namespace kiosk::document
