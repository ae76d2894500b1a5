// A scanner's page (drivers::Image, RGB or grey) as OpenCV holds it for the document code.
#pragma once

#include <opencv2/core.hpp>

#include "drivers/image.hpp"

namespace kiosk::document {

// BGR or grey, 8 bits, sharing nothing with `image`; empty if `image` is not a whole 8-bit page.
cv::Mat to_mat(const drivers::Image& image);

}  // namespace kiosk::document
