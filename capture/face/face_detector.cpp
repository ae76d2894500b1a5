// Face and eye detection with OpenCV's cascades, or YuNet when configured.
#include "capture/face/face_detector.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <optional>

#include <opencv2/core/hal/intrin.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "capture/face/reduce.hpp"

namespace kiosk::face {
namespace {

// Sizes below are shares of the image's shorter side, so that a camera of any size and shape finds
// the same faces (a portrait or square camera as a landscape one).
// The face cascade runs on a copy whose shorter side is reduced to this: a face a sixth of that
// side is then the cascade's 24-pixel window. A 1280 x 720 frame is searched at 256 x 144, which
// keeps the search near 6 ms.
constexpr int kSearchSide = 144;
constexpr double kMinFaceShare = 1.0 / 6;
// When no face is found, a copy this large is searched for faces down to this share of the shorter
// side: someone standing far back in a wide frame, to be told to come closer.
constexpr int kFarSearchSide = 336;
constexpr double kMinFarFaceShare = 1.0 / 14;
// The eye cascades run on the face scaled to this width: an eye is then about 24 pixels wide,
// a little over the eye cascade's own window.
constexpr int kEyeSearchWidth = 120;
// The cascades take a head tilted up to about 10 degrees; when none is found upright, copies
// turned this far each way are searched.
constexpr double kTurnedSearchDeg = 15;
// In a live camera the pupils are followed from frame to frame; the eye cascades confirm them
// again after this many frames.
constexpr int kTrackFrames = 5;
// An eye the cascades missed is taken where the other's mirror image correlates with the face at
// least this much (see mirrored_eye). Measured on our scenes (photo_rules_test, face_bench): 0.79
// to 0.87 for the real eyes of a level head; 0.64 to 0.75 for a tilted head's, whose mirror image
// leans the other way (the cascades' larger looks find those); at most 0.69 over an eye a lock of
// hair covers.
constexpr double kMirrorLikeness = 0.77;

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

void to_grey(const cv::Mat& image, cv::Mat& grey) {
  cv::cvtColor(image, grey, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
}

// The image reduced by `scale`, in grey: reduced first, so that only the small copy is converted.
cv::Mat reduced_grey(const cv::Mat& image, double scale) {
  cv::Mat small = reduce_image(image, scale);
  if (small.channels() != 1) to_grey(small, small);
  return small;
}

// The image in grey where the eyes of `face` are looked for (around the face, as far as a copy
// turned about its centre reaches); black elsewhere, which nothing reads. Converting the whole
// frame would cost a third of a millisecond for nothing.
cv::Mat grey_around(const cv::Mat& image, const cv::Rect2d& face) {
  if (image.channels() == 1) return image;
  const double reach = 1.1 * std::max(face.width, face.height);
  const cv::Point2d centre = (face.tl() + face.br()) / 2;
  const cv::Rect area = cv::Rect(cv::Rect2d(centre.x - reach, centre.y - reach, 2 * reach, 2 * reach)) &
                        cv::Rect(0, 0, image.cols, image.rows);
  cv::Mat grey(image.size(), CV_8U, cv::Scalar(0));
  cv::Mat part = grey(area);
  to_grey(image(area), part);
  return grey;
}

// Which part of the face's width an eye cascade searches.
enum class Half { kBoth, kLeft, kRight };

// The eyes a cascade finds in the upper face: on each side of the face's middle, the candidate
// nearest where an eye sits (x at 0.3 or 0.7 of the face's width, y at 0.42 of its height), as
// boxes in the face's coordinates. `half`: only the left or right 62 % of the width is searched
// (for that side's eye), at 62 % of the cost.
std::pair<std::optional<cv::Rect2d>, std::optional<cv::Rect2d>> eyes_in(cv::CascadeClassifier& cascade,
                                                                        const cv::Mat& face, Half half = Half::kBoth) {
  std::vector<cv::Rect> found;
  const int min_eye = face.cols / 10, max_eye = face.cols / 3;
  // Only the band across the face where eyes lie (the forehead above it holds none).
  const int top = face.rows / 5;
  const int part = half == Half::kBoth ? face.cols : face.cols * 62 / 100;
  const int left = half == Half::kRight ? face.cols - part : 0;
  cascade.detectMultiScale(face(cv::Rect(left, top, part, face.rows * 62 / 100 - top)), found, 1.1, 3, 0,
                           {min_eye, min_eye}, {max_eye, max_eye});
  for (cv::Rect& r : found) r += cv::Point(left, top);
  std::optional<cv::Rect2d> eyes[2];
  double best[2] = {0, 0};
  for (const cv::Rect& r : found) {
    const cv::Point2d centre(r.x + r.width / 2.0, r.y + r.height / 2.0);
    const int side = centre.x < face.cols / 2.0 ? 0 : 1;
    const cv::Point2d expected((side == 0 ? 0.3 : 0.7) * face.cols, 0.42 * face.rows);
    const double d = cv::norm(centre - expected);
    if (d > 0.3 * face.cols) continue;  // a nostril, an eyebrow, a corner of the hair
    if (!eyes[side] || d < best[side]) {
      eyes[side] = cv::Rect2d(r);
      best[side] = d;
    }
  }
  return {eyes[0], eyes[1]};
}

// The pupil in an eye box (image pixels), after Timm and Barth ("Accurate eye centre localisation
// by means of gradients", 2011): the centre of the iris is the point that most of the strong
// gradients around it point away from, weighted by how dark it is. The box's centre is off by
// several percent of the eye distance, which is degrees of roll; the pupil is within about one.
// Nothing when no clear pupil is found.
std::optional<cv::Point2d> pupil_in(const cv::Mat& grey, const cv::Rect2d& eye) {
  const cv::Rect area = cv::Rect(eye) & cv::Rect(0, 0, grey.cols, grey.rows);
  if (area.width < 6 || area.height < 6) return std::nullopt;
  constexpr int kWidth = 40;  // the box is worked on at this width: an iris is then about 10 px
  const double scale = static_cast<double>(kWidth) / area.width;
  cv::Mat patch;
  cv::resize(grey(area), patch, {}, scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  patch.convertTo(patch, CV_32F);
  cv::GaussianBlur(patch, patch, {0, 0}, 1.0);
  cv::Mat gx, gy, magnitude;
  cv::Sobel(patch, gx, CV_32F, 1, 0);
  cv::Sobel(patch, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, magnitude);
  cv::Scalar mean, spread;
  cv::meanStdDev(magnitude, mean, spread);
  const float strong = static_cast<float>(mean[0] + 0.5 * spread[0]);
  // The strong gradients, unit length, as plain arrays the candidate loop below runs through.
  std::vector<float> ex, ey, egx, egy;
  for (int y = 1; y < patch.rows - 1; ++y) {
    for (int x = 1; x < patch.cols - 1; ++x) {
      const float m = magnitude.at<float>(y, x);
      if (m > strong && m > 0) {
        ex.push_back(static_cast<float>(x));
        ey.push_back(static_cast<float>(y));
        egx.push_back(gx.at<float>(y, x) / m);
        egy.push_back(gy.at<float>(y, x) / m);
      }
    }
  }
  if (ex.size() < 8) return std::nullopt;
  cv::Mat darkness;
  cv::GaussianBlur(patch, darkness, {0, 0}, 2.0);
  darkness = 255.0f - darkness;
  // Candidates: the middle of the box, where the cascade puts the eye (not the brow or the corner).
  // A gradient counts by the square of the cosine between it and the way from the candidate to it,
  // when it points away; the gradient at the candidate itself does not count.
  cv::Mat score(patch.size(), CV_32F, cv::Scalar(0));
  const int x0 = patch.cols / 5, x1 = patch.cols - patch.cols / 5;
  const int y0 = patch.rows / 5, y1 = patch.rows - patch.rows / 5;
  const int n = static_cast<int>(ex.size());
  // A row of candidates at a time, four at once (OpenCV's universal intrinsics; GCC does not
  // vectorise this loop itself).
  const int width = x1 - x0, lanes = cv::v_float32x4::nlanes;
  const int padded = (width + lanes - 1) / lanes * lanes;
  std::vector<float> row(static_cast<std::size_t>(padded));
  const cv::v_float32x4 zero = cv::v_setzero_f32(), one = cv::v_setall_f32(1.0f);
  for (int cy = y0; cy < y1; ++cy) {
    std::ranges::fill(row, 0.0f);
    for (int i = 0; i < n; ++i) {
      const cv::v_float32x4 ux = cv::v_setall_f32(egx[i]);
      const float dy = ey[i] - static_cast<float>(cy);
      const cv::v_float32x4 along_y = cv::v_setall_f32(dy * egy[i]), dy2 = cv::v_setall_f32(dy * dy);
      for (int k = 0; k < padded; k += lanes) {
        const float x = ex[i] - static_cast<float>(x0 + k);
        const cv::v_float32x4 dx(x, x - 1, x - 2, x - 3);
        // The length is 0 only at the gradient's own pixel, where `along` is 0 too.
        const cv::v_float32x4 length2 = cv::v_max(dx * dx + dy2, one);
        const cv::v_float32x4 along = cv::v_max(dx * ux + along_y, zero);
        cv::v_store(&row[k], cv::v_load(&row[k]) + along * along / length2);
      }
    }
    for (int k = 0; k < width; ++k) score.at<float>(cy, x0 + k) = row[k] * darkness.at<float>(cy, x0 + k);
  }
  cv::Point best;
  double top = 0;
  cv::minMaxLoc(score, nullptr, &top, nullptr, &best);
  if (top <= 0) return std::nullopt;
  // Sub-pixel: the score-weighted mean over the peak's neighbours within 80 % of the peak.
  double wx = 0, wy = 0, w = 0;
  for (int y = std::max(y0, best.y - 2); y <= std::min(y1 - 1, best.y + 2); ++y) {
    for (int x = std::max(x0, best.x - 2); x <= std::min(x1 - 1, best.x + 2); ++x) {
      const double v = score.at<float>(y, x) - 0.8 * top;
      if (v <= 0) continue;
      wx += v * x;
      wy += v * y;
      w += v;
    }
  }
  const cv::Point2d peak = w > 0 ? cv::Point2d(wx / w, wy / w) : cv::Point2d(best);
  return cv::Point2d(area.x, area.y) + peak / scale;
}

// The eye the cascades missed when they found the other (a shadow, a strand of hair or its size
// can put one eye of a face below their threshold): looked for where the face's symmetry puts it,
// as the found eye's mirror image. The search reaches 0.8 of an eye's width either side of the
// mirrored place (a face box sits up to 0.4 off the face's middle on our faces) and 0.3 of its
// height up or down (a head tilted to the cascades' limit), and the eye is taken only where it
// correlates with the mirrored one (normalised, so light on one side of the face does not matter)
// at least kMirrorLikeness: a covered eye is not made up from the other. A fraction of a millisecond,
// where the cascades' larger looks cost tens.
std::optional<cv::Rect2d> mirrored_eye(const cv::Mat& grey, const cv::Rect2d& face, const cv::Rect2d& found) {
  constexpr double kWidth = 24;  // worked on at this eye width
  const cv::Rect image(0, 0, grey.cols, grey.rows);
  const cv::Rect known = cv::Rect(found) & image;
  if (known.width < 8 || known.height < 8) return std::nullopt;
  const cv::Point2d centre(2 * (face.x + face.width / 2) - (found.x + found.width / 2), found.y + found.height / 2);
  const cv::Rect area = cv::Rect(cv::Rect2d(centre.x - 1.3 * known.width, centre.y - 0.8 * known.height,
                                            2.6 * known.width, 1.6 * known.height)) & image;
  if (area.width < known.width || area.height < known.height) return std::nullopt;
  const double scale = kWidth / known.width;
  const auto interpolation = scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::Mat mirrored, around, likeness;
  cv::resize(grey(known), mirrored, {}, scale, scale, interpolation);
  cv::flip(mirrored, mirrored, 1);
  cv::resize(grey(area), around, {}, scale, scale, interpolation);
  if (around.cols < mirrored.cols || around.rows < mirrored.rows) return std::nullopt;
  cv::matchTemplate(around, mirrored, likeness, cv::TM_CCOEFF_NORMED);
  double best = 0;
  cv::Point at;
  cv::minMaxLoc(likeness, nullptr, &best, nullptr, &at);
  if (best < kMirrorLikeness) return std::nullopt;
  return cv::Rect2d(area.x + at.x / scale, area.y + at.y / scale, known.width, known.height);
}

// Eyes as a face has them: about 0.4 of the face box's width apart (0.39-0.44 on our faces), and
// their midpoint near the box's middle.
bool plausible_pair(const cv::Rect2d& face, const cv::Point2d& left, const cv::Point2d& right) {
  const double apart = cv::norm(right - left) / face.width;
  const double off_middle = std::abs((left.x + right.x) / 2 - (face.x + face.width / 2)) / face.width;
  return apart >= 0.3 && apart <= 0.5 && off_middle <= 0.1;
}

}  // namespace

double FoundFace::eye_distance() const {
  return has_eyes() ? cv::norm(*right_eye - *left_eye) : 0.0;
}

struct FaceDetector::Models {
  cv::CascadeClassifier face, second_face, eye, eyeglasses;
  cv::Ptr<cv::CLAHE> clahe = cv::createCLAHE(2.0, {4, 4});
  cv::Ptr<cv::FaceDetectorYN> yunet;

  // What the last frames found, to look near it first in the next: the face's box, the pupils as
  // shares of it, the eye boxes' size as a share of its width, and how many frames ago the eye
  // cascades last confirmed them.
  struct Track {
    cv::Rect2d face;
    cv::Point2d pupils[2];
    double eye_size = 0;
    int age = 0;
  };
  std::optional<Track> track;

  void remember(const cv::Rect2d& box, const cv::Point2d (&pupils)[2], double eye_width, int age) {
    Track t{box, {}, eye_width / box.width, age};
    for (int side = 0; side < 2; ++side) {
      t.pupils[side] = {(pupils[side].x - box.x) / box.width, (pupils[side].y - box.y) / box.height};
    }
    track = t;
  }

  // In a live camera the eyes are where they were a frame ago, give or take the face's movement:
  // the pupils are looked for straight away in eye-sized boxes about their last places, without
  // the eye cascades (whose every call costs milliseconds). They must keep their distance and
  // angle within a little of the last frame's; every kTrackFrames frames the cascades look again.
  // False when there is nothing to follow or this frame breaks off.
  bool find_tracked_eyes(const cv::Mat& grey, FoundFace& f) {
    if (!track || track->age >= kTrackFrames) return false;
    const cv::Rect2d overlap = track->face & f.box;
    if (overlap.area() < 0.5 * std::max(track->face.area(), f.box.area())) return false;
    const double size = track->eye_size * f.box.width;
    cv::Point2d predicted[2], found[2];
    for (int side = 0; side < 2; ++side) {
      predicted[side] = f.box.tl() + cv::Point2d(track->pupils[side].x * f.box.width, track->pupils[side].y * f.box.height);
      const auto pupil = pupil_in(grey, cv::Rect2d(predicted[side].x - size / 2, predicted[side].y - size / 2, size, size));
      if (!pupil) return false;
      found[side] = *pupil;
    }
    const cv::Point2d was = predicted[1] - predicted[0], is = found[1] - found[0];
    const double turn = std::abs(std::atan2(was.x * is.y - was.y * is.x, was.dot(is))) * 180 / std::numbers::pi;
    if (std::abs(cv::norm(is) / cv::norm(was) - 1) > 0.1 || turn > 4) return false;
    f.left_eye = found[0];
    f.right_eye = found[1];
    remember(f.box, found, size, track->age + 1);
    return true;
  }

  void find_eyes(const cv::Mat& grey, FoundFace& f) {
    if (f.tilt_deg != 0) {
      track.reset();
      find_turned_eyes(grey, f, f.tilt_deg);
      return;
    }
    if (find_tracked_eyes(grey, f)) return;
    track.reset();
    find_upright_eyes(grey, f, true);
    // A face the cascade still finds can be tilted too far for the eye cascades.
    for (const double tilt : {kTurnedSearchDeg, -kTurnedSearchDeg}) {
      if (f.has_eyes()) break;
      find_turned_eyes(grey, f, tilt);
    }
  }

  // Turns the face and its surroundings by `tilt`, looks for the eyes there, and turns them back.
  void find_turned_eyes(const cv::Mat& grey, FoundFace& f, double tilt) {
    const cv::Point2d centre(f.box.x + f.box.width / 2, f.box.y + f.box.height / 2);
    const double side = 1.5 * std::max(f.box.width, f.box.height);
    cv::Mat turn = cv::getRotationMatrix2D(centre, tilt, 1.0);
    turn.at<double>(0, 2) += side / 2 - centre.x;
    turn.at<double>(1, 2) += side / 2 - centre.y;
    cv::Mat upright;
    const int n = static_cast<int>(std::lround(side));
    cv::warpAffine(grey, upright, turn, {n, n}, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    FoundFace level = f;
    level.box = cv::Rect2d(side / 2 - f.box.width / 2, side / 2 - f.box.height / 2, f.box.width, f.box.height);
    find_upright_eyes(upright, level, false);
    if (!level.has_eyes()) return;
    cv::Mat back;
    cv::invertAffineTransform(turn, back);
    const cv::Matx23d m(back);
    const auto to_image = [&](cv::Point2d p) { return cv::Point2d(m * cv::Vec3d(p.x, p.y, 1)); };
    f.left_eye = to_image(*level.left_eye);
    f.right_eye = to_image(*level.right_eye);
  }

  // The eyes of an upright face, searched over its whole upper part; `keep_track`: remember them
  // for the next frame.
  void find_upright_eyes(const cv::Mat& grey, FoundFace& f, bool keep_track) {
    const cv::Rect box = cv::Rect(f.box) & cv::Rect(0, 0, grey.cols, grey.rows);
    if (box.width < 8 || box.height < 8) return;
    // Glasses and soft light can hide the eyes at the working size; two more looks at larger ones,
    // where glasses, the likeliest reason, are looked for first.
    for (const int width : {kEyeSearchWidth, kEyeSearchWidth * 4 / 3, kEyeSearchWidth * 5 / 3}) {
      const double scale = static_cast<double>(width) / box.width;
      cv::Mat upper;
      cv::resize(grey(box), upper, {}, scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
      const bool first_look = width == kEyeSearchWidth;
      // Both eyes from the cascade's boxes in `upper` (one may be missing: it is then looked for as
      // the other's mirror image); false when no plausible pair comes of them.
      const auto take = [&](std::optional<cv::Rect2d> l, std::optional<cv::Rect2d> r) {
        if (!l && !r) return false;
        const auto in_image = [&](const cv::Rect2d& e) {
          return cv::Rect2d(box.x + e.x / scale, box.y + e.y / scale, e.width / scale, e.height / scale);
        };
        std::optional<cv::Rect2d> eyes[2] = {l ? std::optional(in_image(*l)) : std::nullopt,
                                             r ? std::optional(in_image(*r)) : std::nullopt};
        for (int side = 0; side < 2; ++side) {
          if (!eyes[side]) eyes[side] = mirrored_eye(grey, f.box, *eyes[1 - side]);
        }
        if (!eyes[0] || !eyes[1]) return false;
        const cv::Point2d pupils[2] = {pupil_in(grey, *eyes[0]).value_or((eyes[0]->tl() + eyes[0]->br()) / 2),
                                       pupil_in(grey, *eyes[1]).value_or((eyes[1]->tl() + eyes[1]->br()) / 2)};
        if (!plausible_pair(f.box, pupils[0], pupils[1])) return false;  // a glasses' rim, a brow
        f.left_eye = pupils[0];
        f.right_eye = pupils[1];
        if (keep_track) remember(f.box, pupils, (eyes[0]->width + eyes[1]->width) / 2, 0);
        return true;
      };
      if (first_look) {
        // The first look searches one half of the face and takes the other eye as the found one's
        // mirror image; the other half is searched only when that fails (a tilted head's mirror
        // image leans the wrong way).
        const auto left = eyes_in(eye, upper, Half::kLeft).first;
        if (left && take(left, std::nullopt)) return;
        const auto right = eyes_in(eye, upper, Half::kRight).second;
        if (take(left, right)) return;
      }
      // Then the glasses' cascade, and at the larger sizes both cascades, glasses first.
      for (cv::CascadeClassifier* cascade : {&eyeglasses, &eye}) {
        if (first_look && cascade == &eye) break;
        const auto [l, r] = eyes_in(*cascade, upper);
        if (take(l, r)) return;
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
    auto second = load_cascade(config.second_face_cascade, "the second face cascade");
    if (!second) return std::unexpected(second.error());
    models->second_face = std::move(*second);
    auto eye = load_cascade(config.eye_cascade, "the eye cascade");
    if (!eye) return std::unexpected(eye.error());
    models->eye = std::move(*eye);
    auto glasses = load_cascade(config.eyeglasses_cascade, "the eyeglasses cascade");
    if (!glasses) return std::unexpected(glasses.error());
    models->eyeglasses = std::move(*glasses);
  }
  return std::unique_ptr<FaceDetector>(new FaceDetector(std::move(models)));
}

void FaceDetector::forget() { models_->track.reset(); }

std::vector<FoundFace> FaceDetector::find(const cv::Mat& image) {
  std::vector<FoundFace> faces;
  if (image.empty() || image.depth() != CV_8U) return faces;
  const int shorter = std::min(image.rows, image.cols);
  const double min_face = kMinFaceShare * shorter;
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
  const double scale = std::min(1.0, static_cast<double>(kSearchSide) / shorter);
  cv::Mat small = reduced_grey(image, scale);
  cv::equalizeHist(small, small);
  std::vector<cv::Rect> boxes;
  const int min_side = std::max(24, static_cast<int>(min_face * scale));
  models_->face.detectMultiScale(small, boxes, 1.15, 4, 0, {min_side, min_side});
  for (const cv::Rect& b : boxes) {
    faces.push_back({cv::Rect2d(b.x / scale, b.y / scale, b.width / scale, b.height / scale), {}, {}, 0});
  }
  // An applicant standing far back, or lit hard from one side: a larger copy, for smaller faces,
  // with its contrast evened out locally rather than over the whole frame.
  struct Copy {
    cv::Mat grey;
    double scale;
    int min_side;
  };
  std::vector<Copy> copies{{small, scale, min_side}};
  if (faces.empty() && shorter > kSearchSide) {
    const double far = std::min(1.0, static_cast<double>(kFarSearchSide) / shorter);
    cv::Mat larger = reduced_grey(image, far);
    models_->clahe->apply(larger, larger);
    const int far_min = std::max(24, static_cast<int>(kMinFarFaceShare * shorter * far));
    models_->face.detectMultiScale(larger, boxes, 1.15, 4, 0, {far_min, far_min});
    for (const cv::Rect& b : boxes) {
      faces.push_back({cv::Rect2d(b.x / far, b.y / far, b.width / far, b.height / far), {}, {}, 0});
    }
    copies.push_back({larger, far, far_min});
  }
  // A head tilted past what the cascade takes: look in copies turned to meet it, the small copy
  // first, then the larger one (a tilted head in side light, or small in a wide frame).
  for (const Copy& copy : copies) {
    for (const double tilt : {kTurnedSearchDeg, -kTurnedSearchDeg}) {
      if (!faces.empty()) break;
      const cv::Point2f middle(copy.grey.cols / 2.0f, copy.grey.rows / 2.0f);
      const cv::Mat turn = cv::getRotationMatrix2D(middle, tilt, 1.0);
      cv::Mat turned;
      cv::warpAffine(copy.grey, turned, turn, copy.grey.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
      models_->face.detectMultiScale(turned, boxes, 1.15, 4, 0, {copy.min_side, copy.min_side});
      cv::Mat back;
      cv::invertAffineTransform(turn, back);
      const cv::Matx23d m(back);
      for (const cv::Rect& b : boxes) {
        const cv::Point2d c = cv::Point2d(m * cv::Vec3d(b.x + b.width / 2.0, b.y + b.height / 2.0, 1)) / copy.scale;
        const double w = b.width / copy.scale, h = b.height / copy.scale;
        faces.push_back({cv::Rect2d(c.x - w / 2, c.y - h / 2, w, h), {}, {}, tilt});
      }
    }
  }
  // Still none: the second cascade on the copies as they are (side light, a small face).
  for (const Copy& copy : copies) {
    if (!faces.empty()) break;
    models_->second_face.detectMultiScale(copy.grey, boxes, 1.15, 3, 0, {copy.min_side, copy.min_side});
    for (const cv::Rect& b : boxes) {
      const double k = copy.scale;
      faces.push_back({cv::Rect2d(b.x / k, b.y / k, b.width / k, b.height / k), {}, {}, 0});
    }
  }
  std::ranges::sort(faces, std::greater{}, [](const FoundFace& f) { return f.box.area(); });
  if (faces.empty()) models_->track.reset();
  if (!faces.empty()) models_->find_eyes(grey_around(image, faces.front().box), faces.front());
  return faces;
}

}  // namespace kiosk::face
