// JPEG quality chosen by bisection to land in the spec's size band.
#include "capture/face/photo_file.hpp"

#include <optional>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>

namespace kiosk::face {
namespace {

constexpr int kBestQuality = 95;  // above it the file grows with no visible gain
constexpr int kWorstQuality = 40;

std::vector<std::uint8_t> jpeg_at(const cv::Mat& photo, int quality) {
  std::vector<std::uint8_t> bytes;
  cv::imencode(".jpg", photo, bytes, {cv::IMWRITE_JPEG_QUALITY, quality, cv::IMWRITE_JPEG_OPTIMIZE, 1});
  return bytes;
}

std::string kib(std::size_t bytes) { return fmt::format("{:.1f} KB", bytes / 1024.0); }

}  // namespace

std::expected<PhotoFile, std::string> encode_photo(const cv::Mat& photo, const config::PhotoSpec& spec) {
  if (photo.empty() || photo.type() != CV_8UC3) return std::unexpected("the photo is not an 8-bit colour image");
  if (photo.cols != spec.width_px || photo.rows != spec.height_px) {
    return std::unexpected(fmt::format("the photo is {} x {} pixels; the spec \"{}\" is {} x {}", photo.cols,
                                       photo.rows, spec.name, spec.width_px, spec.height_px));
  }
  PhotoFile best{jpeg_at(photo, kBestQuality), kBestQuality};
  if (best.jpeg.size() < spec.min_bytes) {
    // Too small even at the best quality: go higher, up to 100, before giving up.
    for (int q = kBestQuality + 1; q <= 100; ++q) {
      best = {jpeg_at(photo, q), q};
      if (best.jpeg.size() >= spec.min_bytes) return best;
    }
    return std::unexpected(fmt::format("at JPEG quality 100 the photo is {}; the spec \"{}\" asks for at least {}",
                                       kib(best.jpeg.size()), spec.name, kib(spec.min_bytes)));
  }
  if (best.jpeg.size() <= spec.max_bytes) return best;
  // The highest quality whose file fits: file size grows with quality, so bisect.
  int low = kWorstQuality, high = kBestQuality - 1;
  std::optional<PhotoFile> fits;
  while (low <= high) {
    const int q = (low + high) / 2;
    auto bytes = jpeg_at(photo, q);
    if (bytes.size() <= spec.max_bytes) {
      fits = PhotoFile{std::move(bytes), q};
      low = q + 1;
    } else {
      high = q - 1;
    }
  }
  if (!fits) {
    return std::unexpected(fmt::format("at JPEG quality {} the photo is still {}; the spec \"{}\" allows {}",
                                       kWorstQuality, kib(jpeg_at(photo, kWorstQuality).size()), spec.name,
                                       kib(spec.max_bytes)));
  }
  if (fits->jpeg.size() < spec.min_bytes) {
    return std::unexpected(fmt::format("no JPEG quality puts the photo between {} and {} (spec \"{}\")",
                                       kib(spec.min_bytes), kib(spec.max_bytes), spec.name));
  }
  return *fits;
}

}  // namespace kiosk::face
