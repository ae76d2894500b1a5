// The machine-readable zone of travel documents (ICAO Doc 9303): TD3 (passports, 2 × 44),
// TD2 (2 × 36) and TD1 (ID cards, 3 × 30). Every field, every check digit (weights 7-3-1)
// including the composite one. OCR confusions (O/0, I/1, B/8, S/5, Z/2, G/6) are corrected only
// where the correction makes the check digits agree; a zone whose check digits do not hold after
// that, or that holds for more than one reading, yields no fields at all: never silently wrong.
#pragma once

#include <array>
#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::document {

enum class MrzFormat { kTd1, kTd2, kTd3 };

struct MrzFields {
  MrzFormat format = MrzFormat::kTd3;
  std::string document_code;    // "P", "PD", "I", "ID"...
  std::string issuing_state;    // ICAO code, e.g. "UTO", "D"
  std::string surname;          // "<" as spaces, e.g. "ERIKSSON"
  std::string given_names;      // "ANNA MARIA"
  std::string document_number;  // without filler
  std::string nationality;
  std::chrono::year_month_day date_of_birth;  // century inferred from the application date
  std::string sex;                             // "M", "F" or "X" (for "<")
  std::chrono::year_month_day date_of_expiry;
  std::string optional_data;    // personal number etc., without filler
  std::string optional_data_2;  // TD1's second optional field
  int corrections = 0;          // characters changed to make the check digits agree
  bool names_truncated = false;  // the name filled the field to its end: it may be cut
};

// 7-3-1 over digits (0-9), letters (A=10 ... Z=35) and "<" (0).
int mrz_check_digit(std::string_view field);

// One check digit of a zone's layout: the places it is computed over and where it stands.
struct MrzCheckDigit {
  std::string_view field;                // "document number", "date of birth", ... "composite"
  std::vector<std::array<int, 3>> over;  // {line, first place, length}, in the order computed
  int line = 0, at = 0;                  // where the digit itself stands
  bool covers(int line, int place) const;  // a place it is computed over, or the digit itself
};

// ICAO 9303's check digits for zones whose lines are `cells` long (44: TD3, 36: TD2, 30: TD1),
// the composite last; none for another length.
std::vector<MrzCheckDigit> mrz_check_digits(std::size_t cells);

// The zone's lines from its fields, with every check digit, in the format `fields.format` names:
// TD3 (2 × 44), TD2 (2 × 36), TD1 (3 × 30). Names are written as ICAO 9303 says: spaces and hyphens
// become "<", other punctuation goes, and a name too long for its places is cut at the end (the
// given names first, keeping at least their initial). Fields must already be in the zone's
// alphabet (A-Z, 0-9, space, hyphen); one longer than its place is an error.
std::expected<std::vector<std::string>, std::string> compose_mrz(const MrzFields& fields);

// Reads the zone from its lines as OCR gave them (spaces and lower case are tolerated; line
// lengths decide the format). `today` is the application date, for the centuries of the dates.
// The error is for the applicant's screen and the technician: which check failed, and that the
// page should be scanned again.
std::expected<MrzFields, std::string> parse_mrz(const std::vector<std::string>& lines,
                                                std::chrono::year_month_day today);

}  // namespace kiosk::document
