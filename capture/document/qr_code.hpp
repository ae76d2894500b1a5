// A QR code in a picture, read with ZXing-cpp: the receipt's code held up to the kiosk's camera at
// the status lookup. Only QR codes are looked for; the text is returned as it was encoded.
#pragma once

#include <optional>
#include <string>

#include <opencv2/core.hpp>

namespace kiosk::document {

// The text of a QR code in `image` (8-bit grey, BGR or RGB; any size, turned, tilted or mirrored
// as a code held to a camera is), or nullopt when there is none that reads.
std::optional<std::string> read_qr_code(const cv::Mat& image);

}  // namespace kiosk::document
