// Services as the shipped catalogue defines them, for tests of the document rules: built here so
// that those tests do not hang on the catalogue file's contents.
#pragma once

#include "config/services.hpp"

namespace kiosk::testing {

// A tourist visa: passports only, valid more than six months after the application date.
inline config::Service visa_service() {
  config::Service s;
  s.id = "visa-l";
  s.kind = "visa";
  s.visa_category = "L";
  s.document_codes = {"P"};
  s.min_validity_months = 6;
  return s;
}

// A passport renewal: any travel document, expired or not.
inline config::Service renewal_service() {
  config::Service s;
  s.id = "passport-renewal";
  s.kind = "passport";
  s.min_validity_months = std::nullopt;
  return s;
}

}  // namespace kiosk::testing
