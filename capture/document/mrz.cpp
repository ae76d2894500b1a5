// ICAO 9303 machine-readable zones; see mrz.hpp.
#include "capture/document/mrz.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <functional>
#include <optional>

namespace kiosk::document {
namespace {

constexpr std::string_view kRescan = "; please scan the data page again";

// The usual OCR confusions, letter and digit.
constexpr std::array<std::pair<char, char>, 6> kConfusions = {
    {{'O', '0'}, {'I', '1'}, {'B', '8'}, {'S', '5'}, {'Z', '2'}, {'G', '6'}}};

std::optional<char> digit_for(char c) {
  for (auto [letter, digit] : kConfusions) {
    if (c == letter) return digit;
  }
  return std::nullopt;
}
std::optional<char> letter_for(char c) {
  for (auto [letter, digit] : kConfusions) {
    if (c == digit) return letter;
  }
  return std::nullopt;
}

int value_of(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 0;  // '<'
}

// The zone being read: lines as one string per line, corrected in place.
struct Zone {
  std::vector<std::string> lines;
  int corrections = 0;
  std::string error;

  char& at(int line, int pos) { return lines[static_cast<std::size_t>(line)][static_cast<std::size_t>(pos)]; }
  std::string take(int line, int pos, int length) const {
    return lines[static_cast<std::size_t>(line)].substr(static_cast<std::size_t>(pos),
                                                        static_cast<std::size_t>(length));
  }
  bool failed(std::string what) {
    if (error.empty()) error = "the machine-readable zone could not be read: " + what + std::string(kRescan);
    return false;
  }

  // Positions that can only hold digits (dates, check digits): confusable letters become digits.
  bool digits(int line, int pos, int length, std::string_view what) {
    return only(line, pos, length, what, false);
  }
  // Positions that can only hold letters or filler (states, names): confusable digits become letters.
  bool letters(int line, int pos, int length, std::string_view what) {
    return only(line, pos, length, what, true);
  }
  bool only(int line, int pos, int length, std::string_view what, bool want_letters) {
    for (int i = pos; i < pos + length; ++i) {
      char& c = at(line, i);
      const bool fits = want_letters ? std::isupper(static_cast<unsigned char>(c)) || c == '<'
                                     : std::isdigit(static_cast<unsigned char>(c)) != 0;
      if (fits) continue;
      if (const auto swapped = want_letters ? letter_for(c) : digit_for(c)) {
        c = *swapped;
        ++corrections;
        continue;
      }
      return failed(std::string(what) + " holds '" + c + "' where a " + (want_letters ? "letter" : "digit") +
                    " belongs");
    }
    return true;
  }

  // An alphanumeric field with its own check digit: as read, or with the fewest letter/digit swaps
  // that make the check digit agree, if exactly one such reading does. Where several do, the
  // composite check digit (`fits`, given the zone with a candidate in place) picks the one.
  bool checked(int line, int pos, int length, int check_line, int check_pos, std::string_view what,
               const std::function<bool(const Zone&)>& fits = {}) {
    if (!digits(check_line, check_pos, 1, std::string(what) + "'s check digit")) return false;
    const int expected = at(check_line, check_pos) - '0';
    const std::string field = take(line, pos, length);
    if (mrz_check_digit(field) == expected) return true;
    std::vector<int> confusable;
    for (int i = 0; i < length; ++i) {
      const char c = field[static_cast<std::size_t>(i)];
      if (digit_for(c) || letter_for(c)) confusable.push_back(i);
    }
    if (confusable.size() > 12) return failed("the check digit of the " + std::string(what) + " does not match");
    std::vector<std::string> best;
    int best_changes = 100;
    for (unsigned mask = 1; mask < (1u << confusable.size()); ++mask) {
      std::string candidate = field;
      int changes = 0;
      for (std::size_t b = 0; b < confusable.size(); ++b) {
        if (!(mask & (1u << b))) continue;
        char& c = candidate[static_cast<std::size_t>(confusable[b])];
        c = digit_for(c).value_or(letter_for(c).value_or(c));
        ++changes;
      }
      if (mrz_check_digit(candidate) != expected) continue;
      if (changes < best_changes) {
        best.clear();
        best_changes = changes;
      }
      if (changes == best_changes) best.push_back(candidate);
    }
    const auto place = [&](Zone& zone, const std::string& candidate) {
      zone.lines[static_cast<std::size_t>(line)].replace(static_cast<std::size_t>(pos),
                                                         static_cast<std::size_t>(length), candidate);
    };
    if (best.size() > 1 && fits) {
      std::erase_if(best, [&](const std::string& candidate) {
        Zone trial = *this;
        place(trial, candidate);
        return !fits(trial);
      });
    }
    if (best.size() != 1) {
      return failed("the check digit of the " + std::string(what) + " does not match");
    }
    place(*this, best.front());
    corrections += best_changes;
    return true;
  }

  // A date YYMMDD with its check digit.
  std::optional<std::chrono::year_month_day> date(int line, int pos, std::string_view what,
                                                  bool birth, std::chrono::year_month_day today) {
    if (!digits(line, pos, 7, what)) return std::nullopt;
    const std::string text = take(line, pos, 6);
    if (mrz_check_digit(text) != at(line, pos + 6) - '0') {
      failed("the check digit of the " + std::string(what) + " does not match");
      return std::nullopt;
    }
    const int yy = std::stoi(text.substr(0, 2));
    const auto month = std::chrono::month(static_cast<unsigned>(std::stoi(text.substr(2, 2))));
    const auto day = std::chrono::day(static_cast<unsigned>(std::stoi(text.substr(4, 2))));
    // Birth: the latest century that is not in the future. Expiry: this century, unless that
    // puts it more than 50 years ahead.
    std::chrono::year_month_day d{std::chrono::year(2000 + yy), month, day};
    if (birth ? d > today : d.year() > today.year() + std::chrono::years(50)) {
      d = std::chrono::year_month_day{std::chrono::year(1900 + yy), month, day};
    }
    if (!d.ok()) {
      failed("the " + std::string(what) + " is not a date");
      return std::nullopt;
    }
    return d;
  }
};

std::string without_filler(std::string s) {
  std::replace(s.begin(), s.end(), '<', ' ');
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  s = s.substr(first, s.find_last_not_of(' ') - first + 1);
  // Runs of filler inside a field are single separators.
  std::string out;
  for (char c : s) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

void split_names(const std::string& field, MrzFields& f) {
  const auto separator = field.find("<<");
  f.surname = without_filler(field.substr(0, separator));
  f.given_names = separator == std::string::npos ? "" : without_filler(field.substr(separator + 2));
  f.names_truncated = !field.empty() && field.back() != '<';
}

}  // namespace

int mrz_check_digit(std::string_view field) {
  constexpr int kWeights[] = {7, 3, 1};
  int sum = 0;
  for (std::size_t i = 0; i < field.size(); ++i) sum += value_of(field[i]) * kWeights[i % 3];
  return sum % 10;
}

bool MrzCheckDigit::covers(int l, int place) const {
  if (l == line && place == at) return true;
  return std::any_of(over.begin(), over.end(), [&](const std::array<int, 3>& piece) {
    return piece[0] == l && place >= piece[1] && place < piece[1] + piece[2];
  });
}

std::vector<MrzCheckDigit> mrz_check_digits(std::size_t cells) {
  if (cells == 44 || cells == 36) {
    const int last = static_cast<int>(cells) - 1;
    std::vector<MrzCheckDigit> checks = {{"document number", {{1, 0, 9}}, 1, 9},
                                         {"date of birth", {{1, 13, 6}}, 1, 19},
                                         {"date of expiry", {{1, 21, 6}}, 1, 27}};
    if (cells == 44) checks.push_back({"optional data", {{1, 28, 14}}, 1, 42});
    checks.push_back({"composite", {{1, 0, 10}, {1, 13, 7}, {1, 21, last - 21}}, 1, last});
    return checks;
  }
  if (cells == 30) {
    return {{"document number", {{0, 5, 9}}, 0, 14},
            {"date of birth", {{1, 0, 6}}, 1, 6},
            {"date of expiry", {{1, 8, 6}}, 1, 14},
            {"composite", {{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}}, 1, 29}};
  }
  return {};
}

namespace {

// A name part in the zone's alphabet: spaces and hyphens as "<", apostrophes dropped.
std::optional<std::string> zone_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if ((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')) out += u;
    else if (u == ' ' || u == '-') out += '<';
    else if (u == '\'' || u == '.' || u == ',') continue;
    else return std::nullopt;
  }
  return out;
}

std::string padded(std::string s, std::size_t width) {
  s.resize(width, '<');
  return s;
}

std::string yymmdd(std::chrono::year_month_day d) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d%02u%02u", static_cast<int>(d.year()) % 100,
                static_cast<unsigned>(d.month()) % 100, static_cast<unsigned>(d.day()) % 100);
  return text;
}

}  // namespace

std::expected<std::vector<std::string>, std::string> compose_mrz(const MrzFields& f) {
  const auto surname = zone_text(f.surname);
  const auto given = zone_text(f.given_names);
  const auto number = zone_text(f.document_number);
  const auto optional = zone_text(f.optional_data);
  const auto optional_2 = zone_text(f.optional_data_2);
  if (!surname || !given || !number || !optional || !optional_2 || surname->empty()) {
    return std::unexpected(std::string("a field holds characters a zone cannot"));
  }
  // Places for the names and the optional data in each format (ICAO 9303 parts 4, 5 and 6).
  const std::size_t name_places = f.format == MrzFormat::kTd3 ? 39 : f.format == MrzFormat::kTd2 ? 31 : 30;
  const std::size_t optional_places = f.format == MrzFormat::kTd3 ? 14 : f.format == MrzFormat::kTd2 ? 7 : 15;
  const std::size_t optional_2_places = f.format == MrzFormat::kTd1 ? 11 : 0;
  if (number->size() > 9 || optional->size() > optional_places || optional_2->size() > optional_2_places ||
      f.issuing_state.size() > 3 || f.nationality.size() > 3 || f.document_code.empty() ||
      f.document_code.size() > 2) {
    return std::unexpected(std::string("a field is longer than its place in the zone"));
  }
  // Names: cut the given names first (down to their initial), then the surname.
  std::string s = *surname, g = *given;
  const auto total = [&] { return s.size() + (g.empty() ? 0 : 2 + g.size()); };
  while (total() > name_places && g.size() > 1) g.pop_back();
  while (total() > name_places && s.size() > 1) s.pop_back();
  while (!g.empty() && g.back() == '<') g.pop_back();
  const std::string names = g.empty() ? s : s + "<<" + g;
  if (names.size() > name_places) return std::unexpected(std::string("the names do not fit"));

  const auto digit = [](const std::string& field) {
    return std::string(1, static_cast<char>('0' + mrz_check_digit(field)));
  };
  const std::string head = padded(f.document_code, 2) + padded(f.issuing_state, 3);
  const std::string doc = padded(*number, 9), birth = yymmdd(f.date_of_birth),
                    expiry = yymmdd(f.date_of_expiry), personal = padded(*optional, optional_places);
  const std::string sex = f.sex == "M" || f.sex == "F" ? f.sex : "<";
  std::vector<std::string> lines;
  if (f.format == MrzFormat::kTd1) {
    const std::string top = head + doc + digit(doc) + personal;
    const std::string middle = birth + digit(birth) + sex + expiry + digit(expiry) +
                               padded(f.nationality, 3) + padded(*optional_2, optional_2_places);
    lines = {top, middle + digit(top.substr(5, 25) + middle.substr(0, 7) + middle.substr(8, 7) +
                                 middle.substr(18, 11)),
             padded(names, name_places)};
  } else {
    std::string line = doc + digit(doc) + padded(f.nationality, 3) + birth + digit(birth) + sex +
                       expiry + digit(expiry) + personal;
    // TD3's personal number has its own check digit ("<" when there is none); TD2's has not.
    if (f.format == MrzFormat::kTd3) line += optional->empty() ? std::string("<") : digit(personal);
    lines = {head + padded(names, name_places),
             line + digit(line.substr(0, 10) + line.substr(13, 7) + line.substr(21))};
  }
  return lines;
}

std::expected<MrzFields, std::string> parse_mrz(const std::vector<std::string>& raw,
                                                std::chrono::year_month_day today) {
  Zone z;
  for (const std::string& line : raw) {
    std::string clean;
    for (char c : line) {
      if (c == ' ' || c == '\t' || c == '\r') continue;
      clean += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (!clean.empty()) z.lines.push_back(clean);
  }
  for (const std::string& line : z.lines) {
    for (char c : line) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '<') {
        return std::unexpected("the machine-readable zone holds '" + std::string(1, c) +
                               "', which no zone has" + std::string(kRescan));
      }
    }
  }
  const auto shape = [&](std::size_t count, std::size_t length) {
    return z.lines.size() == count &&
           std::all_of(z.lines.begin(), z.lines.end(), [&](const auto& l) { return l.size() == length; });
  };
  MrzFields f;
  if (shape(2, 44)) {
    f.format = MrzFormat::kTd3;
  } else if (shape(2, 36)) {
    f.format = MrzFormat::kTd2;
  } else if (shape(3, 30)) {
    f.format = MrzFormat::kTd1;
  } else {
    std::string lengths;
    for (const auto& l : z.lines) lengths += (lengths.empty() ? "" : ", ") + std::to_string(l.size());
    return std::unexpected("not a machine-readable zone: " + std::to_string(z.lines.size()) +
                           " line(s) of " + (lengths.empty() ? "no" : lengths) +
                           " characters, where 2 x 44 (passport), 2 x 36 or 3 x 30 (card) belong" +
                           std::string(kRescan));
  }

  bool ok = true;
  std::string composite;
  if (f.format == MrzFormat::kTd1) {
    const auto composite_of = [](const Zone& zone) {
      return zone.take(0, 5, 25) + zone.take(1, 0, 7) + zone.take(1, 8, 7) + zone.take(1, 18, 11);
    };
    const auto fits = [&](const Zone& zone) {
      return mrz_check_digit(composite_of(zone)) == zone.lines[1][29] - '0';
    };
    ok = z.letters(0, 0, 5, "the document code and issuing state") &&
         z.letters(1, 15, 3, "the nationality") &&
         z.digits(1, 29, 1, "the composite check digit");
    auto birth = ok ? z.date(1, 0, "date of birth", true, today) : std::nullopt;
    auto expiry = birth ? z.date(1, 8, "date of expiry", false, today) : std::nullopt;
    ok = ok && birth && expiry && z.checked(0, 5, 9, 0, 14, "document number", fits) &&
         z.letters(2, 0, 30, "the name");
    if (ok) {
      f.date_of_birth = *birth;
      f.date_of_expiry = *expiry;
      composite = composite_of(z);
    }
    if (ok && mrz_check_digit(composite) != z.at(1, 29) - '0') {
      ok = z.failed("the composite check digit does not match");
    }
    if (ok) {
      f.document_code = without_filler(z.take(0, 0, 2));
      f.issuing_state = without_filler(z.take(0, 2, 3));
      f.document_number = without_filler(z.take(0, 5, 9));
      f.optional_data = without_filler(z.take(0, 15, 15));
      f.sex = z.take(1, 7, 1);
      f.nationality = without_filler(z.take(1, 15, 3));
      f.optional_data_2 = without_filler(z.take(1, 18, 11));
      split_names(z.take(2, 0, 30), f);
    }
  } else {
    const int width = f.format == MrzFormat::kTd3 ? 44 : 36;
    const int optional_length = f.format == MrzFormat::kTd3 ? 14 : 7;
    const auto composite_of = [width](const Zone& zone) {
      return zone.take(1, 0, 10) + zone.take(1, 13, 7) + zone.take(1, 21, width - 22);
    };
    const auto fits = [&](const Zone& zone) {
      return mrz_check_digit(composite_of(zone)) == zone.lines[1][static_cast<std::size_t>(width - 1)] - '0';
    };
    ok = z.letters(0, 0, 5, "the document code and issuing state") &&
         z.letters(0, 5, width - 5, "the name") && z.letters(1, 10, 3, "the nationality") &&
         z.digits(1, width - 1, 1, "the composite check digit");
    auto birth = ok ? z.date(1, 13, "date of birth", true, today) : std::nullopt;
    auto expiry = birth ? z.date(1, 21, "date of expiry", false, today) : std::nullopt;
    ok = ok && birth && expiry;
    if (ok && f.format == MrzFormat::kTd3) {
      // The personal number's check digit may be filler when the field is empty; "<" and "0"
      // weigh the same in every check.
      if (z.take(1, 28, 14) == std::string(14, '<') && z.at(1, 42) == '<') z.at(1, 42) = '0';
      ok = z.checked(1, 28, 14, 1, 42, "personal number", fits);
    }
    ok = ok && z.checked(1, 0, 9, 1, 9, "document number", fits);
    if (ok) {
      f.date_of_birth = *birth;
      f.date_of_expiry = *expiry;
      composite = composite_of(z);
    }
    if (ok && mrz_check_digit(composite) != z.at(1, width - 1) - '0') {
      ok = z.failed("the composite check digit does not match");
    }
    if (ok) {
      f.document_code = without_filler(z.take(0, 0, 2));
      f.issuing_state = without_filler(z.take(0, 2, 3));
      split_names(z.take(0, 5, width - 5), f);
      f.document_number = without_filler(z.take(1, 0, 9));
      f.nationality = without_filler(z.take(1, 10, 3));
      f.sex = z.take(1, 20, 1);
      f.optional_data = without_filler(z.take(1, 28, optional_length));
    }
  }
  if (!ok) return std::unexpected(z.error);
  if (f.sex == "<") f.sex = "X";
  if (f.sex != "M" && f.sex != "F" && f.sex != "X") {
    return std::unexpected("the machine-readable zone gives sex as '" + f.sex + "'" + std::string(kRescan));
  }
  f.corrections = z.corrections;
  return f;
}

}  // namespace kiosk::document
