// Times as UTC text; see utc_text.hpp.
#include "config/utc_text.hpp"

#include <ctime>

namespace kiosk {

std::string utc_text(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

}  // namespace kiosk
