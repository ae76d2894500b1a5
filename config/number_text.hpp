// Numbers typed by a person (command-line options): the whole text must be the number, finite and
// within its range; "12abc", "nan", "inf", "1e999" and "70000" for a port are refused, not
// truncated, wrapped or passed on.
#pragma once

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

namespace kiosk {

inline std::optional<long long> parse_integer(std::string_view text, long long min, long long max) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

inline std::optional<double> parse_number(std::string_view text, double min, double max) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value) || value < min || value > max) return std::nullopt;
  return value;
}

}  // namespace kiosk
