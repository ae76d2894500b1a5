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
  // 0, or the tilt (degrees, positive when the face's right side as seen is lower) at which the
  // face was found when it was not found upright: the box is then the upright face's box about
  // the same centre.
  double tilt_deg = 0;
  bool has_eyes() const { return left_eye && right_eye; }
  double eye_distance() const;  // 0 without eyes
};

class FaceDetector {
 public:
  // Loads the configured models; the error names the file that is missing or unreadable.
  static std::expected<std::unique_ptr<FaceDetector>, std::string> load(const config::FaceSection& models);
  ~FaceDetector();

  // Every face at least a sixth of the image's shorter side (a fourteenth when no larger one is found),
  // largest first; eyes are looked for in the largest. When no face is found upright, the search
  // is repeated on copies turned 15 degrees either way (a head tilted too far for the cascades).
  // `image` is 8-bit BGR or grey. The detector remembers where the last frame's eyes were and
  // looks there first (a live camera's next frame has them within a few pixels): give one
  // detector one camera's frames, in order. Not thread-safe: one detector per thread.
  std::vector<FoundFace> find(const cv::Mat& image);
  // The next image does not follow the last (another applicant, another camera): search it whole.
  void forget();

 private:
  struct Models;
  explicit FaceDetector(std::unique_ptr<Models> models);
  std::unique_ptr<Models> models_;
};

}  // namespace kiosk::face
