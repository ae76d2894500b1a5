// The fingers as an ISO/IEC 19794-4:2011 finger image record ("FIR", version 020): one
// representation per finger, plain live-scan impressions, 8-bit PNG images, and our quality score
// in a quality block. For receivers that take ISO records rather than ANSI/NIST-ITL transactions.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <vector>

#include "capture/finger/ten_print_record.hpp"

namespace kiosk::finger {

// The record's bytes, or what is wrong (a finger out of range or given twice, an image that is
// not 8-bit grey or too large for the format's 16-bit line lengths).
std::expected<std::string, std::string> iso_finger_record(
    const std::vector<FingerImage>& fingers, std::chrono::system_clock::time_point captured);

}  // namespace kiosk::finger
