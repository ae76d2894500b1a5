// Face and eye detection with OpenCV's cascades, or YuNet when configured.
#include "capture/face/face_detector.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace kiosk::face {
namespace {

// The face cascade runs on a copy reduced to this height: a face a sixth of the image high is then
// the cascade's 24-pixel window. A 1280 x 720 frame is searched at 256 x 144, which keeps the
// search near 6 ms; an applicant whose face is smaller than that is far too far away anyway.
constexpr int kSearchHeight = 144;
constexpr double kMinFaceShare = 1.0 / 6;
// The eye cascades run on the face scaled to this width: an eye is then about 24 pixels wide,
// a little over the eye cascade's own window.
constexpr int kEyeSearchWidth = 120;

std::expected<cv::CascadeClassifier, std::string> load_cascade(const std::filesystem::path& file,
                                                               const char* what) {
  cv::CascadeClassifier c;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return std::unexpected(std::string(what) + " " + file.string() +
                           " is missing (Debian's opencv-data ships it)");
  }
  if (!c.load(file.string())) return std::unexpected(std::string(what) + " " + file.string() + " is not a cascade");
  return c;
}

cv::Mat to_grey(const cv::Mat& image) {
  if (image.channels() == 1) return image;
  cv::Mat grey;
  cv::cvtColor(image, grey, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return grey;
}

// The eyes a cascade finds in the upper face: on each side of the face's middle, the candidate
// nearest where an eye sits (x at 0.3 or 0.7 of the face's width, y at 0.42 of its height), in the
// face's coordinates.
std::pair<std::optional<cv::Point2d>, std::optional<cv::Point2d>> eyes_in(cv::CascadeClassifier& cascade,
                                                                          const cv::Mat& face) {
  std::vector<cv::Rect> found;
  const int min_eye = face.cols / 10, max_eye = face.cols / 3;
  cascade.detectMultiScale(face(cv::Rect(0, 0, face.cols, face.rows * 62 / 100)), found, 1.1, 3, 0,
                           {min_eye, min_eye}, {max_eye, max_eye});
  std::optional<cv::Point2d> eyes[2];
  double best[2] = {0, 0};
  for (const cv::Rect& r : found) {
    const cv::Point2d centre(r.x + r.width / 2.0, r.y + r.height / 2.0);
    const int side = centre.x < face.cols / 2.0 ? 0 : 1;
    const cv::Point2d expected((side == 0 ? 0.3 : 0.7) * face.cols, 0.42 * face.rows);
    const double d = cv::norm(centre - expected);
    if (d > 0.3 * face.cols) continue;  // a nostril, an eyebrow, a corner of the hair
    if (!eyes[side] || d < best[side]) {
      eyes[side] = centre;
      best[side] = d;
    }
  }
  return {eyes[0], eyes[1]};
}

}  // namespace

double FoundFace::eye_distance() const {
  return has_eyes() ? cv::norm(*right_eye - *left_eye) : 0.0;
}

struct FaceDetector::Models {
  cv::CascadeClassifier face, eye, eyeglasses;
  cv::Ptr<cv::FaceDetectorYN> yunet;

  void find_eyes(const cv::Mat& grey, FoundFace& f) {
    const cv::Rect box = cv::Rect(f.box) & cv::Rect(0, 0, grey.cols, grey.rows);
    if (box.width < 8 || box.height < 8) return;
    // Glasses and soft light can hide the eyes at the working size; two more looks at larger ones.
    for (const int width : {kEyeSearchWidth, kEyeSearchWidth * 4 / 3, kEyeSearchWidth * 5 / 3}) {
      const double scale = static_cast<double>(width) / box.width;
      cv::Mat upper;
      cv::resize(grey(box), upper, {}, scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
      for (cv::CascadeClassifier* cascade : {&eye, &eyeglasses}) {
        const auto [l, r] = eyes_in(*cascade, upper);
        if (l && r) {
          const cv::Point2d origin(box.x, box.y);
          f.left_eye = origin + *l / scale;
          f.right_eye = origin + *r / scale;
          return;
        }
      }
    }
  }
};

FaceDetector::FaceDetector(std::unique_ptr<Models> models) : models_(std::move(models)) {}
FaceDetector::~FaceDetector() = default;

std::expected<std::unique_ptr<FaceDetector>, std::string> FaceDetector::load(
    const config::FaceSection& config) {
  auto models = std::make_unique<Models>();
  if (!config.yunet_model.empty()) {
    try {
      models->yunet = cv::FaceDetectorYN::create(config.yunet_model.string(), "", {320, 320}, 0.8f);
    } catch (const cv::Exception& e) {
      return std::unexpected("the YuNet model " + config.yunet_model.string() + " cannot be loaded: " + e.what());
    }
    if (models->yunet.empty()) return std::unexpected("the YuNet model " + config.yunet_model.string() + " cannot be loaded");
  } else {
    auto faces = load_cascade(config.face_cascade, "the face cascade");
    if (!faces) return std::unexpected(faces.error());
    models->face = std::move(*faces);
    auto eye = load_cascade(config.eye_cascade, "the eye cascade");
    if (!eye) return std::unexpected(eye.error());
    models->eye = std::move(*eye);
    auto glasses = load_cascade(config.eyeglasses_cascade, "the eyeglasses cascade");
    if (!glasses) return std::unexpected(glasses.error());
    models->eyeglasses = std::move(*glasses);
  }
  return std::unique_ptr<FaceDetector>(new FaceDetector(std::move(models)));
}

std::vector<FoundFace> FaceDetector::find(const cv::Mat& image) {
  std::vector<FoundFace> faces;
  if (image.empty() || image.depth() != CV_8U) return faces;
  const double min_face = kMinFaceShare * image.rows;
  if (models_->yunet) {
    cv::Mat bgr = image;
    if (image.channels() == 1) cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
    const double scale = std::min(1.0, 640.0 / std::max(image.cols, image.rows));
    cv::Mat small;
    cv::resize(bgr, small, {}, scale, scale, cv::INTER_AREA);
    models_->yunet->setInputSize(small.size());
    cv::Mat found;
    models_->yunet->detect(small, found);
    for (int i = 0; i < found.rows; ++i) {
      const float* row = found.ptr<float>(i);
      FoundFace f;
      f.box = cv::Rect2d(row[0], row[1], row[2], row[3]);
      f.box = cv::Rect2d(f.box.x / scale, f.box.y / scale, f.box.width / scale, f.box.height / scale);
      // YuNet's first landmark is the subject's right eye, on the image's left.
      f.left_eye = cv::Point2d(row[4], row[5]) / scale;
      f.right_eye = cv::Point2d(row[6], row[7]) / scale;
      if (f.box.height >= min_face) faces.push_back(f);
    }
    std::ranges::sort(faces, std::greater{}, [](const FoundFace& f) { return f.box.area(); });
    return faces;
  }
  const cv::Mat grey = to_grey(image);
  const double scale = std::min(1.0, static_cast<double>(kSearchHeight) / grey.rows);
  cv::Mat small;
  cv::resize(grey, small, {}, scale, scale, cv::INTER_AREA);
  cv::equalizeHist(small, small);
  std::vector<cv::Rect> boxes;
  const int min_side = std::max(24, static_cast<int>(min_face * scale));
  models_->face.detectMultiScale(small, boxes, 1.15, 4, 0, {min_side, min_side});
  for (const cv::Rect& b : boxes) {
    faces.push_back({cv::Rect2d(b.x / scale, b.y / scale, b.width / scale, b.height / scale), {}, {}});
  }
  std::ranges::sort(faces, std::greater{}, [](const FoundFace& f) { return f.box.area(); });
  if (!faces.empty()) models_->find_eyes(grey, faces.front());
  return faces;
}

}  // namespace kiosk::face
