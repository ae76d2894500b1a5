// The receipt's QR code: the tracking code, for the applicant's phone or the mission's counter.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace kiosk::ui {

// `text` as a QR code (libqrencode, error correction level M) drawn in SVG: one square per dark
// module, a quiet zone of four modules, scalable to any size.
std::expected<std::string, std::string> qr_svg(std::string_view text);

}  // namespace kiosk::ui
