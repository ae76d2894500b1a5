// Times as UTC text, for records, manifests, databases and HTTP headers alike.
#pragma once

#include <chrono>
#include <string>

namespace kiosk {

// A time as UTC text in a strftime `format`: "%Y-%m-%dT%H:%M:%SZ" (ISO 8601) by default.
std::string utc_text(std::chrono::system_clock::time_point t, const char* format = "%Y-%m-%dT%H:%M:%SZ");

// Today's date in UTC: the application date of whatever is done now.
std::chrono::year_month_day today_utc();

// A calendar date as ISO 8601 text: "2026-11-22".
std::string iso_date(std::chrono::year_month_day d);

}  // namespace kiosk
