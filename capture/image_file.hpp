// Image files as untrusted input (a technician's file, a page someone hands over): the size in
// pixels is read from the file's own header and held against a limit before anything is decoded,
// and a truncated or corrupt file is an error with a sentence, never a half-grey image or an
// abort. PNG, JPEG, TIFF, BMP and PNM (PBM/PGM/PPM) are read; other formats are refused by name.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

namespace kiosk::capture {

struct ImageLimits {
  std::uint64_t max_pixels = 50'000'000;          // an A4 page at 600 dpi is 35 million
  std::uint64_t max_bytes = std::uint64_t{256} << 20;
};

struct ImageHeader {
  std::string format;  // "PNG", "JPEG", "TIFF", "BMP", "PNM"
  int width = 0, height = 0;
};

// The format and size that the header declares, or why it cannot be told: not a format we read,
// or a header cut short or inconsistent.
std::expected<ImageHeader, std::string> read_image_header(std::string_view bytes);

// Decodes `bytes` (OpenCV's IMREAD_* `flags`) after checking the declared size against `limits`
// and that the file is whole (a JPEG ends with its end-of-image marker, a PNG with IEND).
std::expected<cv::Mat, std::string> decode_image(std::string_view bytes, int flags,
                                                 const ImageLimits& limits = {});

// The same for a file; the error starts with the file's name.
std::expected<cv::Mat, std::string> read_image(const std::filesystem::path& file, int flags,
                                               const ImageLimits& limits = {});

}  // namespace kiosk::capture
