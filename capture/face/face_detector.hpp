// Finds faces and their eyes in a camera frame or a photo: OpenCV's cascades from Debian's
// opencv-data by default (a face cascade on a reduced copy of the frame, then the eye cascades in
// the largest face at a fixed working size), or a YuNet model when one is configured, whose
// landmarks give the eyes directly.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "config/config.hpp"

namespace kiosk::face {

struct FoundFace {
  cv::Rect2d box;  // in the image's pixels
  // Eye centres in the image's pixels; "left" is the one on the image's left (the subject's right
  // eye). Found for the largest face only.
  std::optional<cv::Point2d> left_eye, right_eye;
  bool has_eyes() const { return left_eye && right_eye; }
  double eye_distance() const;  // 0 without eyes
};

class FaceDetector {
 public:
  // Loads the configured models; the error names the file that is missing or unreadable.
  static std::expected<std::unique_ptr<FaceDetector>, std::string> load(const config::FaceSection& models);
  ~FaceDetector();

  // Every face at least a sixth of the image's height, largest first; eyes are looked for in the
  // largest. `image` is 8-bit BGR or grey. Not thread-safe: one detector per thread.
  std::vector<FoundFace> find(const cv::Mat& image);

 private:
  struct Models;
  explicit FaceDetector(std::unique_ptr<Models> models);
  std::unique_ptr<Models> models_;
};

}  // namespace kiosk::face
