// Travel-document rules of a service: document kind and validity.
#include "capture/document/travel_document_rules.hpp"

#include <algorithm>

namespace kiosk::document {

std::chrono::year_month_day months_after(std::chrono::year_month_day date, int months) {
  const std::chrono::year_month_day moved = date + std::chrono::months(months);
  if (moved.ok()) return moved;
  return std::chrono::year_month_day_last(moved.year(), std::chrono::month_day_last(moved.month()));
}

std::optional<DocumentRefusal> check_travel_document(const MrzFields& fields,
                                                     const config::Service& service,
                                                     std::chrono::year_month_day application_date) {
  if (!service.document_codes.empty() &&
      std::ranges::none_of(service.document_codes, [&](const std::string& code) {
        return fields.document_code.starts_with(code);
      })) {
    return DocumentRefusal{ScanPrompt::kDocumentNotAccepted, std::nullopt};
  }
  if (!service.min_validity_months) return std::nullopt;
  using Days = std::chrono::sys_days;
  if (Days(fields.date_of_expiry) < Days(application_date)) {
    return DocumentRefusal{ScanPrompt::kDocumentExpired, std::nullopt};
  }
  if (*service.min_validity_months == 0) return std::nullopt;
  const auto needed = months_after(application_date, *service.min_validity_months);
  if (Days(fields.date_of_expiry) <= Days(needed)) {
    return DocumentRefusal{ScanPrompt::kValidityTooShort, needed};
  }
  return std::nullopt;
}

}  // namespace kiosk::document
