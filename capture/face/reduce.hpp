// Reducing a camera frame for the measures that need fewer pixels.
#pragma once

#include <opencv2/imgproc.hpp>

namespace kiosk::face {

// `image` scaled by `scale` (at most 1), averaging the pixels each output pixel covers, like
// cv::INTER_AREA. Halved while still twice too large, then reduced the rest of the way (less than
// half) by bilinear interpolation, which at that ratio still draws on every input pixel: OpenCV's
// halving is several times faster than its general area reduction (0.4 ms against 1.9 ms for a
// 1280 x 720 colour frame to a quarter), two halvings average the same 4 x 4 pixels, and the
// general area reduction of what is left (320 x 180 to 256 x 144) costs 0.7 ms where the
// interpolation costs 0.1.
inline cv::Mat reduce_image(const cv::Mat& image, double scale) {
  cv::Mat out = image;
  const cv::Size target(cvRound(image.cols * scale), cvRound(image.rows * scale));
  while (out.cols >= 2 * target.width && out.rows >= 2 * target.height && target.width > 0 && target.height > 0) {
    cv::Mat half;
    cv::resize(out, half, {}, 0.5, 0.5, cv::INTER_AREA);
    out = half;
  }
  if (out.size() != target && target.area() > 0) {
    cv::Mat rest;
    cv::resize(out, rest, target, 0, 0, cv::INTER_LINEAR);
    out = rest;
  }
  return out.data == image.data ? image.clone() : out;
}

}  // namespace kiosk::face
