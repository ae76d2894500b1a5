// A plain 8-bit image as the drivers hand it over: grey (1 channel) or RGB (3 channels),
// rows packed without padding. No vendor type leaves drivers/.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace kiosk::drivers {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 1;             // 1 = grey, 3 = RGB
  double pixels_per_inch = 0;   // 0 when the device does not say
  std::vector<std::uint8_t> pixels;  // width * height * channels bytes

  bool empty() const { return pixels.empty(); }
  std::size_t row_bytes() const { return static_cast<std::size_t>(width) * channels; }
};

}  // namespace kiosk::drivers
