// The finished photo as the service takes it: a baseline JPEG within the spec's file-size band, at
// the best quality that fits. Nothing but the pixels is written: no EXIF, no comment, no camera
// or kiosk data (OpenCV writes a bare JFIF header).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "config/services.hpp"

namespace kiosk::face {

struct PhotoFile {
  std::vector<std::uint8_t> jpeg;
  int quality = 0;
};

// `photo` is the cut photo (8-bit BGR at the spec's size). The error says which limit cannot be
// met and how near the closest quality came, e.g. "at JPEG quality 100 the photo is 35.2 KB; the
// spec "china-visa" asks for at least 40 KB".
std::expected<PhotoFile, std::string> encode_photo(const cv::Mat& photo, const config::PhotoSpec& spec);

}  // namespace kiosk::face
