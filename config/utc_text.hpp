// Times as UTC text, for records, manifests, databases and HTTP headers alike.
#pragma once

#include <chrono>
#include <string>

namespace kiosk {

// A time as UTC text in a strftime `format`: "%Y-%m-%dT%H:%M:%SZ" (ISO 8601) by default.
std::string utc_text(std::chrono::system_clock::time_point t, const char* format = "%Y-%m-%dT%H:%M:%SZ");

}  // namespace kiosk
