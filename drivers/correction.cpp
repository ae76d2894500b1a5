// Device corrections; see correction.hpp.
#include "drivers/correction.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace kiosk::drivers {
namespace {

std::array<std::uint8_t, 256> gain_table(double gain) {
  std::array<std::uint8_t, 256> table{};
  for (int v = 0; v < 256; ++v)
    table[v] = static_cast<std::uint8_t>(std::clamp(std::lround(v * gain), 0L, 255L));
  return table;
}

}  // namespace

void apply(const ColourGains& gains, Image& rgb) {
  if (gains.neutral() || rgb.channels != 3) return;
  const std::array<std::array<std::uint8_t, 256>, 3> tables = {
      gain_table(gains.red), gain_table(gains.green), gain_table(gains.blue)};
  std::uint8_t* p = rgb.pixels.data();
  const std::size_t n = rgb.pixels.size() / 3;
  for (std::size_t i = 0; i < n; ++i, p += 3) {
    p[0] = tables[0][p[0]];
    p[1] = tables[1][p[1]];
    p[2] = tables[2][p[2]];
  }
}

double FlatField::gain_at(double mm) const {
  if (gain.empty()) return 1.0;
  const double at = std::clamp(mm / step_mm - 0.5, 0.0, static_cast<double>(gain.size() - 1));
  const auto below = static_cast<std::size_t>(at);
  const std::size_t above = std::min(below + 1, gain.size() - 1);
  const double f = at - static_cast<double>(below);
  return gain[below] * (1.0 - f) + gain[above] * f;
}

void apply(const FlatField& field, double left_mm, Image& page) {
  if (field.empty() || page.pixels_per_inch <= 0 || page.width <= 0) return;
  // One gain per column, in 1/256ths.
  std::vector<std::uint32_t> column(static_cast<std::size_t>(page.width));
  for (int x = 0; x < page.width; ++x) {
    const double mm = left_mm + (x + 0.5) * 25.4 / page.pixels_per_inch;
    column[static_cast<std::size_t>(x)] =
        static_cast<std::uint32_t>(std::lround(field.gain_at(mm) * 256.0));
  }
  const int channels = page.channels;
  for (int y = 0; y < page.height; ++y) {
    std::uint8_t* row = page.pixels.data() + static_cast<std::size_t>(y) * page.row_bytes();
    for (int x = 0; x < page.width; ++x) {
      const std::uint32_t g = column[static_cast<std::size_t>(x)];
      for (int c = 0; c < channels; ++c) {
        std::uint8_t& v = row[x * channels + c];
        v = static_cast<std::uint8_t>(std::min<std::uint32_t>(255, (v * g + 128) >> 8));
      }
    }
  }
}

}  // namespace kiosk::drivers
