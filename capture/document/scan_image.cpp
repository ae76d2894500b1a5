// Scanner pages to OpenCV images.
#include "capture/document/scan_image.hpp"

#include <opencv2/imgproc.hpp>

namespace kiosk::document {

cv::Mat to_mat(const drivers::Image& image) {
  if (image.empty() || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != image.row_bytes() * static_cast<std::size_t>(image.height)) {
    return {};
  }
  const cv::Mat view(image.height, image.width, image.channels == 3 ? CV_8UC3 : CV_8UC1,
                     const_cast<std::uint8_t*>(image.pixels.data()), image.row_bytes());
  cv::Mat out;
  if (image.channels == 3) {
    cv::cvtColor(view, out, cv::COLOR_RGB2BGR);
  } else {
    out = view.clone();
  }
  return out;
}

drivers::ScanSettings scan_settings(const config::ScannerSection& settings, std::string source,
                                    std::vector<std::pair<std::string, std::string>> options) {
  drivers::ScanSettings s;
  s.resolution_dpi = settings.resolution_dpi;
  s.mode = settings.mode;
  s.source = std::move(source);
  s.deadline = settings.scan_timeout;
  s.options = std::move(options);
  return s;
}

}  // namespace kiosk::document
