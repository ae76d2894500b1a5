// Supporting papers written as the service accepts them: JPG/JPEG, PNG, TIF, BMP or PDF (several
// pages always make one PDF), within the file rule's size band, by choosing the resolution and,
// for JPEG and PDF, the quality. The sharpest file that fits wins: the highest resolution the rule
// allows, at the best quality that stays under the limit, going down in resolution only when even
// a modest quality does not fit. A page without colour is written grey. No metadata is written
// but the resolution.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "config/services.hpp"

namespace kiosk::document {

struct ScannedPage {
  cv::Mat image;  // BGR or grey, 8 bits
  double dpi = 300;
};

struct EncodedFile {
  std::string format;  // "jpg", "png", "tif", "bmp", "pdf" (a rule's "jpeg" is written as "jpg")
  std::vector<std::uint8_t> bytes;
  int dpi = 0;           // the resolution written
  int jpeg_quality = 0;  // for jpg and pdf; 0 for lossless formats
  int pages = 1;
  bool grey = false;
};

// The lowest JPEG quality the encoder will go to before it lowers the resolution instead; at the
// rule's lowest resolution it goes on down to kLastJpegQuality before it gives up.
inline constexpr int kMinJpegQuality = 50;
inline constexpr int kLastJpegQuality = 30;

// Encodes `pages` under `rule`, as `format` (one of the rule's; empty: PDF for several pages, else
// the rule's first format). The error says which limit cannot be met and what the nearest file
// would have been, e.g. "at 150 dpi and JPEG quality 50 the file is still 3.1 MB; the rule allows
// 2.0 MB".
std::expected<EncodedFile, std::string> encode_document(const std::vector<ScannedPage>& pages,
                                                        const config::FileRule& rule,
                                                        std::string format = {});

// One PDF page per JPEG, each page sized by its pixels and resolution; the JPEG data is embedded
// as it is (DCT), not decoded and compressed again. Written with cairo.
std::expected<std::vector<std::uint8_t>, std::string> write_pdf(
    const std::vector<std::vector<std::uint8_t>>& jpeg_pages, const std::vector<cv::Size>& sizes,
    double dpi);

}  // namespace kiosk::document
