// Between the scanner driver and the document code: what a scan asks of the driver, from the
// configuration, and the page it gives (drivers::Image, RGB or grey) as OpenCV holds it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "config/config.hpp"
#include "drivers/image.hpp"
#include "drivers/scanner/scanner.hpp"

namespace kiosk::document {

// BGR or grey, 8 bits, sharing nothing with `image`; empty if `image` is not a whole 8-bit page.
cv::Mat to_mat(const drivers::Image& image);

// The configured resolution, mode and deadline, from `source`, with further SANE options (the
// simulation rig's pnm file). One page: set all_pages for a feeder.
drivers::ScanSettings scan_settings(const config::ScannerSection& settings, std::string source,
                                    std::vector<std::pair<std::string, std::string>> options);

}  // namespace kiosk::document
