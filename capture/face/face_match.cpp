// Face match: eye alignment, Tan-Triggs light normalisation, LBP histograms; or SFace.
#include "capture/face/face_match.hpp"

#include <cmath>
#include <optional>
#include <vector>

#include <opencv2/face.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace kiosk::face {
namespace {

// The crop holds the face alone, cheek to cheek and brow to chin: hair, ears and background differ
// between a printed portrait and the camera, and are not the person.
constexpr int kWidth = 80, kHeight = 88;
// Where the eye centres land in the crop: 32 pixels apart, 32 from the top.
const cv::Point2d kLeftEye(24, 32), kRightEye(56, 32);
// SFace's crop, and where its alignment template puts the eyes (the image's left one first).
constexpr int kSfaceSide = 112;
const cv::Point2d kSfaceLeftEye(38.2946, 51.6963), kSfaceRightEye(73.5318, 51.5014);
constexpr const char* kClassical = "LBPH chi-square on eye-aligned Tan-Triggs crops";
constexpr const char* kSface = "SFace cosine on eye-aligned crops, as 1 - cosine";

// The eyes of the largest face in `image` (8-bit BGR), which stands alone; nothing without both.
std::optional<std::pair<cv::Point2d, cv::Point2d>> eyes_of(const cv::Mat& image, FaceDetector& detector) {
  if (image.empty() || image.type() != CV_8UC3) return std::nullopt;
  detector.forget();
  const auto faces = detector.find(image);
  detector.forget();
  if (faces.empty() || !faces.front().has_eyes()) return std::nullopt;
  return std::pair(*faces.front().left_eye, *faces.front().right_eye);
}

// The similarity that takes the eyes `l` and `r` to `to_l` and `to_r`, and its scale.
cv::Matx23d eye_alignment(cv::Point2d l, cv::Point2d r, cv::Point2d to_l, cv::Point2d to_r, double& scale) {
  scale = cv::norm(to_r - to_l) / cv::norm(r - l);
  const double angle = std::atan2(r.y - l.y, r.x - l.x) - std::atan2(to_r.y - to_l.y, to_r.x - to_l.x);
  const double c = scale * std::cos(angle), s = scale * std::sin(angle);
  cv::Matx23d m(c, s, 0, -s, c, 0);
  const cv::Point2d moved(m(0, 0) * l.x + m(0, 1) * l.y, m(1, 0) * l.x + m(1, 1) * l.y);
  m(0, 2) = to_l.x - moved.x;
  m(1, 2) = to_l.y - moved.y;
  return m;
}

// `image` warped by `m` into a `size` crop, blurred first when it goes down in size.
cv::Mat warp_down(const cv::Mat& image, const cv::Matx23d& m, double scale, cv::Size size) {
  cv::Mat source = image, crop;
  if (scale < 0.8) cv::GaussianBlur(image, source, {0, 0}, 0.4 / scale);  // no aliasing going down
  cv::warpAffine(source, crop, m, size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return crop;
}

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
  const auto eyes = eyes_of(image, detector);
  if (!eyes) return {};
  double scale = 1;
  const cv::Matx23d m = eye_alignment(eyes->first, eyes->second, kLeftEye, kRightEye, scale);
  cv::Mat grey;
  cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
  return even_light(warp_down(grey, m, scale, {kWidth, kHeight}));
}

FaceMatch match_faces(const cv::Mat& live, const cv::Mat& portrait, FaceDetector& detector, double threshold) {
  FaceMatch m;
  m.threshold = threshold;
  m.method = kClassical;
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

struct FaceMatcher::Sface {
  cv::Ptr<cv::FaceRecognizerSF> model;
};

std::expected<std::unique_ptr<FaceMatcher>, std::string> FaceMatcher::load(const config::FaceSection& config) {
  auto detector = FaceDetector::load(config);
  if (!detector) return std::unexpected(detector.error());
  std::unique_ptr<Sface> sface;
  if (!config.sface_model.empty()) {
    const std::string file = config.sface_model.string();
    sface = std::make_unique<Sface>();
    try {
      sface->model = cv::FaceRecognizerSF::create(file, "");
    } catch (const cv::Exception& e) {
      return std::unexpected("the SFace model " + file + " cannot be loaded: " + e.err);
    }
    if (sface->model.empty()) return std::unexpected("the SFace model " + file + " cannot be loaded");
  }
  const double threshold = sface ? 1 - config.sface_threshold : config.match_threshold;
  return std::unique_ptr<FaceMatcher>(new FaceMatcher(std::move(*detector), std::move(sface), threshold));
}

FaceMatcher::FaceMatcher(std::unique_ptr<FaceDetector> detector, std::unique_ptr<Sface> sface, double threshold)
    : detector_(std::move(detector)), sface_(std::move(sface)), threshold_(threshold) {}
FaceMatcher::~FaceMatcher() = default;

FaceMatch FaceMatcher::match(const cv::Mat& live, const cv::Mat& portrait) {
  if (!sface_) return match_faces(live, portrait, *detector_, threshold_);
  FaceMatch m;
  m.threshold = threshold_;
  m.method = kSface;
  // The feature of each face's SFace crop; empty without a face with both eyes.
  const auto feature = [&](const cv::Mat& image) {
    const auto eyes = eyes_of(image, *detector_);
    if (!eyes) return cv::Mat();
    double scale = 1;
    const cv::Matx23d to_crop = eye_alignment(eyes->first, eyes->second, kSfaceLeftEye, kSfaceRightEye, scale);
    cv::Mat f;
    sface_->model->feature(warp_down(image, to_crop, scale, {kSfaceSide, kSfaceSide}), f);
    return f.clone();
  };
  const cv::Mat document = feature(portrait);
  if (document.empty()) {
    m.not_compared = "no face with both eyes in the passport's portrait";
    return m;
  }
  const cv::Mat person = feature(live);
  if (person.empty()) {
    m.not_compared = "no face with both eyes in the live photo";
    return m;
  }
  m.distance = 1 - sface_->model->match(document, person, cv::FaceRecognizerSF::FR_COSINE);
  m.compared = true;
  m.matched = m.distance <= threshold_;
  return m;
}

}  // namespace kiosk::face
