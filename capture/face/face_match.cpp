// Face match: eye alignment, Tan-Triggs light normalisation, LBP histograms.
#include "capture/face/face_match.hpp"

#include <cmath>
#include <vector>

#include <opencv2/face.hpp>
#include <opencv2/imgproc.hpp>

namespace kiosk::face {
namespace {

// The crop holds the face alone, cheek to cheek and brow to chin: hair, ears and background differ
// between a printed portrait and the camera, and are not the person.
constexpr int kWidth = 80, kHeight = 88;
// Where the eye centres land in the crop: 32 pixels apart, 32 from the top.
const cv::Point2d kLeftEye(24, 32), kRightEye(56, 32);

// Tan and Triggs' preprocessing chain, with their published parameters.
cv::Mat even_light(const cv::Mat& grey) {
  cv::Mat f;
  grey.convertTo(f, CV_32F, 1.0 / 255);
  cv::pow(f, 0.2, f);
  cv::Mat narrow, wide;
  cv::GaussianBlur(f, narrow, {0, 0}, 1.0);
  cv::GaussianBlur(f, wide, {0, 0}, 2.0);
  f = narrow - wide;
  constexpr double kAlpha = 0.1, kTau = 10;
  cv::Mat a;
  cv::pow(cv::abs(f), kAlpha, a);
  f /= std::pow(cv::mean(a)[0], 1 / kAlpha);
  cv::Mat b = cv::min(cv::abs(f), kTau);
  cv::pow(b, kAlpha, b);
  f /= std::pow(cv::mean(b)[0], 1 / kAlpha);
  // tanh squashes the extremes: τ·tanh(f/τ), then to 8 bits.
  cv::Mat e;
  cv::exp(f * (-2.0 / kTau), e);
  cv::Mat squashed = kTau * (1 - e) / (1 + e);
  cv::Mat out;
  cv::normalize(squashed, out, 0, 255, cv::NORM_MINMAX, CV_8U);
  return out;
}

}  // namespace

cv::Mat aligned_face(const cv::Mat& image, FaceDetector& detector) {
  if (image.empty() || image.type() != CV_8UC3) return {};
  detector.forget();
  const auto faces = detector.find(image);
  detector.forget();
  if (faces.empty() || !faces.front().has_eyes()) return {};
  const cv::Point2d l = *faces.front().left_eye, r = *faces.front().right_eye;
  // The similarity that takes the eyes to their places in the crop.
  const double scale = cv::norm(kRightEye - kLeftEye) / cv::norm(r - l);
  const double angle = std::atan2(r.y - l.y, r.x - l.x);
  const double c = scale * std::cos(angle), s = scale * std::sin(angle);
  cv::Matx23d m(c, s, 0, -s, c, 0);
  const cv::Point2d moved(m(0, 0) * l.x + m(0, 1) * l.y, m(1, 0) * l.x + m(1, 1) * l.y);
  m(0, 2) = kLeftEye.x - moved.x;
  m(1, 2) = kLeftEye.y - moved.y;
  cv::Mat grey, crop;
  cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
  if (scale < 0.8) cv::GaussianBlur(grey, grey, {0, 0}, 0.4 / scale);  // no aliasing going down
  cv::warpAffine(grey, crop, m, {kWidth, kHeight}, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return even_light(crop);
}

FaceMatch match_faces(const cv::Mat& live, const cv::Mat& portrait, FaceDetector& detector, double threshold) {
  FaceMatch m;
  m.threshold = threshold;
  const cv::Mat document = aligned_face(portrait, detector);
  if (document.empty()) {
    m.not_compared = "no face with both eyes in the passport's portrait";
    return m;
  }
  const cv::Mat person = aligned_face(live, detector);
  if (person.empty()) {
    m.not_compared = "no face with both eyes in the live photo";
    return m;
  }
  auto lbph = cv::face::LBPHFaceRecognizer::create(1, 8, 8, 8);
  lbph->train(std::vector<cv::Mat>{document}, std::vector<int>{0});
  int label = -1;
  lbph->predict(person, label, m.distance);
  m.compared = true;
  m.matched = m.distance <= threshold;
  return m;
}

}  // namespace kiosk::face
