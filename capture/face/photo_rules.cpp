// The photo rules: geometry of the head, the cut, and the measures of light, background,
// sharpness and colour, each documented in the header.
#include "capture/face/photo_rules.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include <opencv2/imgproc.hpp>

#include "capture/face/reduce.hpp"

namespace kiosk::face {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kNoLimit = std::numeric_limits<double>::infinity();  // a rule bounded on one side
constexpr double kChinEyeDistances = 1.5;  // chin below the eye line, in eye distances
// The ear lobes, below the eye line and out from the face's middle, in eye distances: where the
// jaw line ends.
constexpr double kEarLobe = 0.8, kEarAcross = 1.1;
constexpr double kFaceWidthOfBox = 0.87;   // the cheeks' width, as a share of the face box
constexpr double kBackgroundDistance = 18;  // Lab distance (8-bit scale) beyond which a pixel is not background
constexpr double kSkinChroma = 14;  // a*b* distance (8-bit scale) within which a pixel is the same skin
constexpr double kDark = 35, kBright = 245;
// The share of the pixels about the head unlike their median colour (see clutter_around) past
// which a room shows behind the person.
constexpr double kMaxClutter = 0.1;
// An eye's white against the face's luminance (see eye_visibility): 0.79-0.98 for the open eyes
// of every scene we test, side-lit ones the lowest; 0.23-0.26 behind dark lenses.
constexpr double kMinEyeVisibility = 0.5;
// The face's mean luminance: below it the face is underexposed even where no pixel is crushed.
constexpr double kMinFaceLuminance = 80, kMaxFaceLuminance = 225;
constexpr double kSharpnessEyeDistance = 64;
// The blur of the most blurred direction less the least's (see blur_effect): 0.05-0.07 on the
// sharp faces of our scenes, 0.1-0.15 when the face moved by a twentieth of its eye distance.
constexpr double kMaxMotionBlur = 0.085;
// Share of the photo's height left free above the crown when the cut is placed.
constexpr double kCrownMargin = 0.03;

double degrees(double radians) { return radians * 180 / std::numbers::pi; }

// The face in the image's geometry: the eye midpoint, the eye line's direction and the distances
// measured from it along the face's own up-down axis.
struct Head {
  cv::Point2d mid;      // between the eyes
  double eye_distance;  // pixels
  double roll_deg;
  cv::Point2d across, down;  // unit vectors along the eye line and down the face
  double crown = 0, chin = 0;  // along `down` from `mid` (crown negative)
  bool crown_cut = false;      // the head reaches the image's top edge
  double face_width = 0;

  cv::Point2d at(double u, double v) const { return mid + across * u + down * v; }
  double height() const { return chin - crown; }
};

// Median of each Lab channel over the pixels `mask` selects.
cv::Vec3d median_lab(const cv::Mat& lab, const cv::Mat& mask) {
  cv::Vec3d out;
  for (int c = 0; c < 3; ++c) {
    std::array<int, 256> histogram{};
    int count = 0;
    for (int y = 0; y < lab.rows; ++y) {
      const auto* p = lab.ptr<cv::Vec3b>(y);
      const auto* m = mask.ptr<std::uint8_t>(y);
      for (int x = 0; x < lab.cols; ++x) {
        if (m[x]) {
          ++histogram[p[x][c]];
          ++count;
        }
      }
    }
    int seen = 0, v = 0;
    while (v < 255 && (seen += histogram[v]) < count / 2) ++v;
    out[c] = v;
  }
  return out;
}

double lab_distance(const cv::Vec3b& p, const cv::Vec3d& q) {
  const double dl = p[0] - q[0], da = p[1] - q[1], db = p[2] - q[2];
  return std::sqrt(dl * dl + da * da + db * db);
}

// The background's colour: the median of a strip along the top of the image and strips down its
// sides to the eye line, where a head and shoulders photo has only background.
cv::Vec3d background_colour(const cv::Mat& lab, double eye_row) {
  cv::Mat mask = cv::Mat::zeros(lab.size(), CV_8U);
  mask(cv::Rect(0, 0, lab.cols, std::max(1, lab.rows * 3 / 100))).setTo(255);
  const int side = std::max(1, lab.cols * 5 / 100);
  const int rows = std::clamp(static_cast<int>(eye_row), 1, lab.rows);
  mask(cv::Rect(0, 0, side, rows)).setTo(255);
  mask(cv::Rect(lab.cols - side, 0, side, rows)).setTo(255);
  return median_lab(lab, mask);
}

// What stands behind the head: about it, from four eye distances above the eyes to a third below
// them and four to either side, outside an ellipse well clear of the head and its hair (a head is
// about 3.5 eye distances high, the widest hair under 2 to a side), the share of pixels unlike
// their median colour. A plain wall gives a few hundredths; shelves, posters, a door frame or
// people behind give a tenth or more. `lab` is the image reduced by `reduce`. NaN when too little
// of it lies in the image (a face very near the camera).
double clutter_around(const cv::Mat& lab, double reduce, const Head& head) {
  const double d = head.eye_distance;
  cv::Rect2d around(head.at(0, 0) * reduce, cv::Size2d(0, 0));
  for (const double u : {-4 * d, 4 * d}) {
    for (const double v : {-4 * d, d / 3}) around |= cv::Rect2d(head.at(u, v) * reduce, cv::Size2d(1, 1));
  }
  const cv::Rect area = cv::Rect(around) & cv::Rect(0, 0, lab.cols, lab.rows);
  cv::Mat mask = cv::Mat::zeros(lab.size(), CV_8U);
  int n = 0;
  for (int y = area.y; y < area.br().y; ++y) {
    auto* m = mask.ptr<std::uint8_t>(y);
    for (int x = area.x; x < area.br().x; ++x) {
      const cv::Point2d q = cv::Point2d((x + 0.5) / reduce, (y + 0.5) / reduce) - head.mid;
      const double u = q.dot(head.across) / d, v = q.dot(head.down) / d;
      if (std::abs(u) > 4 || v < -4 || v > 1.0 / 3) continue;
      const double eu = u / 2.3, ev = (v + 0.4) / 2.6;
      if (eu * eu + ev * ev <= 1) continue;
      m[x] = 255;
      ++n;
    }
  }
  if (n < 100) return kNaN;
  const cv::Vec3d colour = median_lab(lab, mask);
  int unlike = 0;
  for (int y = area.y; y < area.br().y; ++y) {
    const auto* p = lab.ptr<cv::Vec3b>(y);
    const auto* m = mask.ptr<std::uint8_t>(y);
    for (int x = area.x; x < area.br().x; ++x) unlike += m[x] && lab_distance(p[x], colour) > kBackgroundDistance;
  }
  return static_cast<double>(unlike) / n;
}

// The crown: going up from the forehead in a band as wide as the eye distance, the first row
// where fewer than a quarter of the pixels differ from the background. `lab` is the image reduced
// by `reduce`.
void find_crown(const cv::Mat& lab, double reduce, const cv::Vec3d& background, Head& head) {
  const double band = 0.5 * head.eye_distance * reduce;
  const cv::Point2d mid = head.mid * reduce;
  const int x0 = std::clamp(static_cast<int>(mid.x - band), 0, lab.cols - 1);
  const int x1 = std::clamp(static_cast<int>(mid.x + band), x0 + 1, lab.cols);
  int row = std::clamp(static_cast<int>(mid.y - 0.6 * head.eye_distance * reduce), 0, lab.rows - 1);
  for (; row >= 0; --row) {
    const auto* p = lab.ptr<cv::Vec3b>(row);
    int differ = 0;
    for (int x = x0; x < x1; ++x) differ += lab_distance(p[x], background) > kBackgroundDistance;
    if (differ * 4 < x1 - x0) break;
  }
  head.crown_cut = row < 0;
  const double crown_row = (std::max(row, 0) + 0.5) / reduce;
  // Along the face's axis: the crown lies on the line through the eye midpoint.
  head.crown = (crown_row - head.mid.y) / head.down.y;
}

// The face's edges on a row `row` eye distances below the eyes, where the background begins; yaw
// from where the eyes sit between them. `lab` is the image in Lab about the cheeks, its top-left
// corner at `origin` in the image. NaN when the background does not begin between 0.6 and 1.5
// eye distances from the eyes' midpoint, where a cheek's edge lies, or when what lies just inside
// that edge is not skin (its chroma unlike the skin's under the eyes; shading on the side of a
// face changes its lightness, not its chroma): hair, an ear or a glasses' arm beside one cheek
// moves the edge on one side only and would be read as a turned head.
double yaw_on_row(const cv::Mat& lab, cv::Point origin, const Head& head, const cv::Vec3d& background, double row) {
  const double d = head.eye_distance;
  const auto sample = [&](double u, double v) -> const cv::Vec3b* {
    const cv::Point p = cv::Point(head.at(u, v)) - origin;
    if (p.x < 0 || p.y < 0 || p.x >= lab.cols || p.y >= lab.rows) return nullptr;
    return &lab.at<cv::Vec3b>(p);
  };
  // Steps of a pixel; the background must go on for a tenth of the eye distance, and the skin is
  // looked at from 0.08 to 0.15 eye distances inside the edge (past where the two mix).
  const double run = std::max(3.0, 0.1 * d);
  double edges[2] = {kNaN, kNaN};
  for (int side = 0; side < 2; ++side) {
    const double sign = side == 0 ? -1 : 1;
    cv::Vec2d skin(0, 0);
    int n = 0;
    for (double u = 0.35 * d; u <= 0.65 * d; u += 0.05 * d) {
      if (const auto* p = sample(sign * u, 0.5 * d)) {
        skin += cv::Vec2d((*p)[1], (*p)[2]);
        ++n;
      }
    }
    if (n == 0) return kNaN;
    skin /= n;
    double background_from = kNaN;
    for (double u = 0.6 * d; u <= 1.5 * d; u += 1.0) {
      const auto* p = sample(sign * u, row * d);
      if (p == nullptr) return kNaN;
      if (lab_distance(*p, background) > kBackgroundDistance) {
        background_from = kNaN;
        continue;
      }
      if (std::isnan(background_from)) background_from = u;
      if (u - background_from + 1 < run) continue;
      for (const double inside : {0.08, 0.11, 0.15}) {
        const auto* q = sample(sign * (background_from - inside * d), row * d);
        if (q == nullptr || cv::norm(cv::Vec2d((*q)[1], (*q)[2]) - skin) > kSkinChroma) return kNaN;
      }
      edges[side] = sign * background_from;
      break;
    }
    if (std::isnan(edges[side])) return kNaN;
  }
  const double r = (edges[1] - edges[0]) / 2;
  const double centre = (edges[0] + edges[1]) / 2;  // from the eye midpoint
  const double sin_phi = std::min(0.95, d / 2 / r);
  const double s = std::clamp(-centre / (r * std::sqrt(1 - sin_phi * sin_phi)), -1.0, 1.0);
  return degrees(std::asin(s));
}

// Yaw judged on three rows between the eyes and the mouth, at the image's full resolution; only
// when they agree within 4 degrees (hair, glasses or a collar that moves an edge on one row rarely
// moves it alike on all three).
double yaw_from_symmetry(const cv::Mat& image, const Head& head, const cv::Vec3d& background) {
  const double d = head.eye_distance;
  cv::Rect2d around(head.at(0, 0), cv::Size2d(0, 0));
  for (const double u : {-1.6 * d, 1.6 * d}) {
    for (const double v : {0.0, 0.7 * d}) around |= cv::Rect2d(head.at(u, v), cv::Size2d(1, 1));
  }
  const cv::Rect area = cv::Rect(around) & cv::Rect(0, 0, image.cols, image.rows);
  if (area.empty()) return kNaN;
  cv::Mat lab;
  cv::cvtColor(image(area), lab, cv::COLOR_BGR2Lab);
  std::array<double, 3> yaws{};
  for (int i = 0; i < 3; ++i) {
    yaws[i] = yaw_on_row(lab, area.tl(), head, background, 0.2 + 0.2 * i);
    if (std::isnan(yaws[i])) return kNaN;
  }
  std::ranges::sort(yaws);
  return yaws[2] - yaws[0] <= 4 ? yaws[1] : kNaN;
}

// Crété-Roffet's blur effect (0 sharp .. 1 blurred) of a grey image along four directions (across,
// down and both diagonals): how much of the variation between neighbouring pixels along that
// direction a 9-pixel box blur along it removes (none is left to remove from a blurred image).
// `worst` is the most blurred direction; `spread` the most blurred less the least: movement smears
// along one direction only, where a face out of focus is blurred alike in all.
struct Blur {
  double worst = 0, spread = 0;
};
Blur blur_effect(const cv::Mat& grey) {
  cv::Mat f;
  grey.convertTo(f, CV_32F);
  Blur out;
  double least = 1;
  for (const cv::Point step : {cv::Point(1, 0), cv::Point(0, 1), cv::Point(1, 1), cv::Point(1, -1)}) {
    cv::Mat kernel = cv::Mat::zeros(9, 9, CV_32F);
    for (int i = -4; i <= 4; ++i) kernel.at<float>(4 + i * step.y, 4 + i * step.x) = 1.0f / 9;
    cv::Mat b;
    cv::filter2D(f, b, -1, kernel, {-1, -1}, 0, cv::BORDER_REFLECT);
    double sf = 0, sv = 0;
    for (int y = 1; y + 1 < f.rows; ++y) {
      const float* fy = f.ptr<float>(y);
      const float* fn = f.ptr<float>(y - step.y);
      const float* by = b.ptr<float>(y);
      const float* bn = b.ptr<float>(y - step.y);
      for (int x = 1; x + 1 < f.cols; ++x) {
        const float df = std::abs(fy[x] - fn[x - step.x]);
        const float db = std::abs(by[x] - bn[x - step.x]);
        sf += df;
        sv += std::max(df - db, 0.0f);
      }
    }
    const double blur = sf > 0 ? (sf - sv) / sf : 0;
    out.worst = std::max(out.worst, blur);
    least = std::min(least, blur);
  }
  out.spread = out.worst - least;
  return out;
}

void add(PhotoAnalysis& a, std::string id, double value, double low, double high) {
  const bool judged = !std::isnan(value);
  a.rules.push_back({std::move(id), value, low, high, judged, !judged || (value >= low && value <= high)});
}

bool failed(const PhotoAnalysis& a, std::string_view id) {
  const RuleCheck* r = a.rule(id);
  return r != nullptr && !r->passed;
}

// Light, colour and sharpness on the face: an ellipse from the brows to the chin, at full
// resolution.
void measure_face(const cv::Mat& image, const Head& head, const config::PhotoSpec& spec, PhotoAnalysis& a) {
  const double d = head.eye_distance;
  const cv::Rect face_box = cv::Rect(cv::Rect2d(head.mid.x - 1.1 * d, head.mid.y - 0.8 * d, 2.2 * d, 2.6 * d)) &
                            cv::Rect(0, 0, image.cols, image.rows);
  if (face_box.width <= 8 || face_box.height <= 8) return;
  const cv::Mat face = image(face_box);
  cv::Mat grey, every_other, lab;
  cv::cvtColor(face, grey, cv::COLOR_BGR2GRAY);
  // The face's colour is a mean: every other pixel each way gives it, at a quarter of the cost of
  // converting them all to Lab (0.4 ms for a face 110 pixels between the eyes).
  every_other.create((face.rows + 1) / 2, (face.cols + 1) / 2, CV_8UC3);
  for (int y = 0; y < every_other.rows; ++y) {
    const auto* from = face.ptr<cv::Vec3b>(2 * y);
    auto* to = every_other.ptr<cv::Vec3b>(y);
    for (int x = 0; x < every_other.cols; ++x) to[x] = from[2 * x];
  }
  cv::cvtColor(every_other, lab, cv::COLOR_BGR2Lab);
  cv::Mat mask = cv::Mat::zeros(face.size(), CV_8U);
  const cv::Point2d centre = head.at(0, 0.45 * d) - cv::Point2d(face_box.tl());
  cv::ellipse(mask, cv::RotatedRect(centre, cv::Size2d(1.5 * d, 1.9 * d), static_cast<float>(head.roll_deg)),
              cv::Scalar(255), cv::FILLED);
  // The cheeks: discs under the eyes, out towards the face's sides, where side light shows most.
  const cv::Point2d cheeks[2] = {head.at(-0.55 * d, 0.6 * d) - cv::Point2d(face_box.tl()),
                                 head.at(0.55 * d, 0.6 * d) - cv::Point2d(face_box.tl())};
  const double cheek_radius2 = 0.25 * d * 0.25 * d;
  int n = 0, dark = 0, bright = 0, coloured = 0;
  double sides[2] = {0, 0}, cheek[2] = {0, 0};
  int cheek_n[2] = {0, 0};
  cv::Vec3d colour(0, 0, 0);
  for (int y = 0; y < face.rows; ++y) {
    const auto* g = grey.ptr<std::uint8_t>(y);
    const auto* m = mask.ptr<std::uint8_t>(y);
    const auto* l = y % 2 == 0 ? lab.ptr<cv::Vec3b>(y / 2) : nullptr;
    for (int x = 0; x < face.cols; ++x) {
      if (!m[x]) continue;
      const int side = (cv::Point2d(x, y) - centre).dot(head.across) < 0 ? 0 : 1;
      const cv::Point2d from_eyes = cv::Point2d(x, y) + cv::Point2d(face_box.tl()) - head.mid;
      // The skin's light, not the eyes': the band from the brows to below the eyes is left out of
      // exposure (dark lenses, lashes and irises are no fault of the light).
      if (std::abs(from_eyes.dot(head.down)) >= 0.4 * d) {
        ++n;
        dark += g[x] < kDark;
        bright += g[x] > kBright;
        sides[side] += g[x];
      }
      const cv::Point2d from_cheek = cv::Point2d(x, y) - cheeks[side];
      if (from_cheek.dot(from_cheek) <= cheek_radius2) {
        cheek[side] += g[x];
        ++cheek_n[side];
      }
      if (l != nullptr && x % 2 == 0) {
        colour += cv::Vec3d(l[x / 2][0], l[x / 2][1], l[x / 2][2]);
        ++coloured;
      }
    }
  }
  if (n > 0) {
    add(a, "face_luminance", (sides[0] + sides[1]) / n, kMinFaceLuminance, kMaxFaceLuminance);
    add(a, "face_dark_share", static_cast<double>(dark) / n, 0, spec.max_dark_share);
    add(a, "face_bright_share", static_cast<double>(bright) / n, 0, spec.max_bright_share);
    const double l = cheek[0] / std::max(1, cheek_n[0]), r = cheek[1] / std::max(1, cheek_n[1]);
    add(a, "face_side_difference", std::abs(l - r) / std::max({l, r, 1.0}), 0, spec.max_side_difference);
    a.lit_side_luminance = std::max(l, r);
    colour /= std::max(1, coloured);
    const double green_red = colour[1] - 128, blue_yellow = colour[2] - 128;
    add(a, "face_chroma", std::hypot(green_red, blue_yellow), 6, kNoLimit);
    add(a, "skin_hue_deg", degrees(std::atan2(blue_yellow, green_red)), 15, 85);
  }
  cv::Mat normal;
  const double to_normal = kSharpnessEyeDistance / d;
  cv::resize(grey, normal, {}, to_normal, to_normal, to_normal < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const Blur blur = blur_effect(normal);
  a.sharpness = 1 - blur.worst;
  add(a, "sharpness", a.sharpness, spec.min_sharpness, 1);
  add(a, "motion_blur", blur.spread, 0, kMaxMotionBlur);
}

// How well the eyes show: about each pupil, in a box half an eye distance wide and a quarter high
// (the iris and the white beside it), the brightest tenth of the pixels' luminance over the face's
// mean luminance; the lesser of the two eyes. An open eye's white is about as bright as the skin
// around it; behind a dark lens it is not. Relative to the face, so a dark frame is still "too
// dark", not "eyes not visible". NaN without both pupils or the face's luminance.
double eye_visibility(const cv::Mat& image, const FoundFace& f, const Head& head, const PhotoAnalysis& a) {
  const RuleCheck* face = a.rule("face_luminance");
  if (!f.has_eyes() || face == nullptr || !face->judged || face->value <= 0) return kNaN;
  const double d = head.eye_distance;
  double least = kNaN;
  for (const cv::Point2d& pupil : {*f.left_eye, *f.right_eye}) {
    const cv::Rect box = cv::Rect(cv::Rect2d(pupil.x - 0.25 * d, pupil.y - 0.125 * d, 0.5 * d, 0.25 * d)) &
                         cv::Rect(0, 0, image.cols, image.rows);
    if (box.area() < 16) return kNaN;
    cv::Mat grey;
    cv::cvtColor(image(box), grey, cv::COLOR_BGR2GRAY);
    std::vector<std::uint8_t> v(grey.begin<std::uint8_t>(), grey.end<std::uint8_t>());
    const auto tenth = v.begin() + static_cast<std::ptrdiff_t>(v.size() * 9 / 10);
    std::nth_element(v.begin(), tenth, v.end());
    const double shown = *tenth / face->value;
    if (std::isnan(least) || shown < least) least = shown;
  }
  return least;
}

// The background: in the photo, above the chin, outside an ellipse round the head; measured on
// the reduced copy `small`. `in_crop` maps an image point into the cut (before scaling).
template <typename InCrop>
void measure_background(const cv::Mat& small, double reduce, const Head& head, InCrop in_crop, cv::Size2d cut,
                        const config::PhotoSpec& spec, PhotoAnalysis& a) {
  cv::Mat small_grey, small_hsv;
  cv::cvtColor(small, small_grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(small, small_hsv, cv::COLOR_BGR2HSV);
  const double h = head.height(), v_mid = (head.crown + head.chin) / 2;
  // The jaw line, along the face's axis: from the chin up to the ear lobes, level with them beyond.
  const double lobe = kEarLobe * head.eye_distance, lobe_across = kEarAcross * head.eye_distance;
  const auto jaw = [&](double u) { return head.chin - (head.chin - lobe) * std::min(1.0, std::abs(u) / lobe_across); };
  double sum = 0, sum2 = 0, saturation = 0;
  int n = 0;
  for (int y = 0; y < small.rows; ++y) {
    const auto* g = small_grey.ptr<std::uint8_t>(y);
    const auto* s = small_hsv.ptr<cv::Vec3b>(y);
    for (int x = 0; x < small.cols; ++x) {
      const cv::Point2d p((x + 0.5) / reduce, (y + 0.5) / reduce);
      const cv::Point2d c = in_crop(p);
      if (c.x < 0 || c.y < 0 || c.x >= cut.width || c.y >= cut.height) continue;
      const cv::Point2d q = p - head.mid;
      const double u = q.dot(head.across), v = q.dot(head.down);
      if (v > head.chin) continue;
      // Below the jaw line lie the neck and whatever is worn about it: a collar, a hood, a suit's
      // neck ring.
      if (v > jaw(u)) continue;
      const double eu = u / (0.62 * h), ev = (v - v_mid) / (0.6 * h);
      if (eu * eu + ev * ev <= 1) continue;
      sum += g[x];
      sum2 += static_cast<double>(g[x]) * g[x];
      saturation += s[x][1] / 255.0;
      ++n;
    }
  }
  const bool enough = n >= 50;
  const double mean = enough ? sum / n : kNaN;
  add(a, "background_luminance", mean, spec.min_background_luminance, 255);
  add(a, "background_spread", enough ? std::sqrt(std::max(0.0, sum2 / n - mean * mean)) : kNaN, 0,
      spec.max_background_spread);
  add(a, "background_saturation", enough ? saturation / n : kNaN, 0, spec.max_background_saturation);
}

// Too dark or too bright on the face, or nothing. Light from one side that leaves the lit side well
// exposed is uneven, not too little: it is named first (the shadowed half darkens the whole face).
std::optional<Guidance> exposure_fault(const PhotoAnalysis& a) {
  if (failed(a, "face_side_difference") && a.lit_side_luminance >= kMinFaceLuminance &&
      a.lit_side_luminance <= kMaxFaceLuminance) {
    return Guidance::kUnevenLight;
  }
  const RuleCheck* luminance = a.rule("face_luminance");
  if (failed(a, "face_dark_share") || (luminance != nullptr && luminance->value < luminance->low)) {
    return Guidance::kTooDark;
  }
  if (failed(a, "face_bright_share") || failed(a, "face_luminance")) return Guidance::kTooBright;
  return std::nullopt;
}

// The order of the instructions: each is the one that fixes the frame first, so that following it
// never leaves an earlier one to say, and a measure that another fault spoils is not spoken for it.
// 1. Who is there: more than one face; too far (the eyes too few pixels apart).
// 2. A room behind the person: the crown and the background's colour are measured against the
//    wall, and a busy one spoils both (the crown is not found, which makes the head seem taller
//    and the cut larger and higher, and the kiosk would say "move").
// 3. Too near: the photo's cut, upright, is larger than the frame: no place in the frame fits it,
//    wherever the face is (saying "move up" to a face whose cut runs off the bottom would only
//    move it off the top).
// 4. A tilted head: it turns the cut with it, so it is straightened before the cut is placed.
// 5. Eyes not found on a face inside the frame: their place is only guessed, so the face is not
//    moved by the guess; the light is named if it is what hides them (uneven light first, then too
//    dark or bright), else the applicant is asked to show the eyes.
// 6. Position: the cut off the frame's side, top or bottom; the crown out of the photo.
// 7. Eyes behind dark lenses, a head turned aside, too few pixels between the eyes in the photo,
//    a face that no cut can frame (staff).
// 8. The camera's colour (it spoils light and background too: staff), the light (uneven when the
//    lit side is well exposed, then too dark or bright, then uneven), the background (not plain,
//    then not white or light), and last sharpness: a person who moves is told to hold still once
//    nothing else is to change.
// `face_in_frame`: the face's box lies wholly inside the image; `cut_too_large`: the cut, upright,
// is larger than the image.
Guidance guidance_for(const PhotoAnalysis& a, const config::PhotoSpec& spec, const cv::Vec4d& overflow,
                      bool face_in_frame, bool cut_too_large) {
  if (failed(a, "face_count")) return Guidance::kMoreThanOneFace;
  if (failed(a, "camera_eye_distance_px")) return Guidance::kComeCloser;
  if (failed(a, "background_clutter")) return Guidance::kBackgroundNotPlain;
  if (failed(a, "photo_fits_frame") && cut_too_large) return Guidance::kMoveBack;
  // A tilted head turns the cut with it: straighten it before judging where the cut falls.
  if (failed(a, "roll_deg")) return Guidance::kStraightenHead;
  // Without the eyes, where the cut falls is only guessed from the face's box: a face in the frame
  // is asked for its eyes first, not moved by the guess.
  const auto eyes_hidden = [&] {
    if (const auto light = exposure_fault(a)) return *light;
    return failed(a, "face_side_difference") ? Guidance::kUnevenLight : Guidance::kEyesNotVisible;
  };
  if (failed(a, "eyes_found") && face_in_frame) return eyes_hidden();
  if (failed(a, "photo_fits_frame")) {
    // overflow: left, right, top, bottom, in pixels of the image
    const double too_big = std::min(overflow[0], overflow[1]) + std::min(overflow[2], overflow[3]);
    if (too_big > 0) return Guidance::kMoveBack;
    const double most = std::max({overflow[0], overflow[1], overflow[2], overflow[3]});
    if (most == overflow[0]) return Guidance::kMoveLeft;
    if (most == overflow[1]) return Guidance::kMoveRight;
    if (most == overflow[2]) return Guidance::kMoveDown;
    return Guidance::kMoveUp;
  }
  if (failed(a, "crown_in_photo")) return Guidance::kMoveBack;
  // A face too dark or too bright hides its eyes: the light is the fault to name then.
  if (failed(a, "eyes_found")) return eyes_hidden();
  // Eyes behind dark lenses: named before the light, which the lenses darken on the face.
  if (failed(a, "eye_visibility")) return Guidance::kEyesNotVisible;
  if (failed(a, "yaw_deg")) return Guidance::kLookStraight;
  if (failed(a, "eye_distance_px")) return Guidance::kComeCloser;
  if (failed(a, "head_height_mm") || failed(a, "head_width_mm") || failed(a, "eye_line") ||
      failed(a, "aspect_ratio")) {
    return Guidance::kCannotFrame;
  }
  // A camera that gives grey or tinted pictures explains a wrong background too: it comes first.
  if (failed(a, "face_chroma") || failed(a, "skin_hue_deg")) return Guidance::kCameraColour;
  if (const auto light = exposure_fault(a)) return *light;
  if (failed(a, "face_side_difference")) return Guidance::kUnevenLight;
  if (failed(a, "background_spread")) return Guidance::kBackgroundNotPlain;
  if (failed(a, "background_luminance") || failed(a, "background_saturation")) {
    return spec.white_background ? Guidance::kBackgroundNotWhite : Guidance::kBackgroundNotLight;
  }
  if (failed(a, "sharpness") || failed(a, "motion_blur")) return Guidance::kHoldStill;
  return Guidance::kTakePhoto;
}

}  // namespace

std::string_view guidance_id(Guidance g) {
  switch (g) {
    case Guidance::kNoFace: return "photo.no_face";
    case Guidance::kMoreThanOneFace: return "photo.more_than_one_face";
    case Guidance::kComeCloser: return "photo.come_closer";
    case Guidance::kMoveBack: return "photo.move_back";
    case Guidance::kMoveLeft: return "photo.move_left";
    case Guidance::kMoveRight: return "photo.move_right";
    case Guidance::kMoveUp: return "photo.move_up";
    case Guidance::kMoveDown: return "photo.move_down";
    case Guidance::kEyesNotVisible: return "photo.eyes_not_visible";
    case Guidance::kStraightenHead: return "photo.straighten_head";
    case Guidance::kLookStraight: return "photo.look_straight";
    case Guidance::kCannotFrame: return "photo.cannot_frame";
    case Guidance::kTooDark: return "photo.too_dark";
    case Guidance::kTooBright: return "photo.too_bright";
    case Guidance::kUnevenLight: return "photo.uneven_light";
    case Guidance::kBackgroundNotPlain: return "photo.background_not_plain";
    case Guidance::kBackgroundNotWhite: return "photo.background_not_white";
    case Guidance::kBackgroundNotLight: return "photo.background_not_light";
    case Guidance::kHoldStill: return "photo.hold_still";
    case Guidance::kCameraColour: return "photo.camera_colour";
    case Guidance::kTakePhoto: return "photo.take_photo";
  }
  return "photo.unknown";
}

cv::Matx23d Crop::to_photo() const {
  cv::Matx23d m = cv::getRotationMatrix2D(centre, angle_deg, scale);
  m(0, 2) += size.width * scale / 2 - centre.x;
  m(1, 2) += size.height * scale / 2 - centre.y;
  return m;
}

const RuleCheck* PhotoAnalysis::rule(std::string_view id) const {
  const auto it = std::ranges::find(rules, id, &RuleCheck::id);
  return it == rules.end() ? nullptr : &*it;
}

PhotoAnalysis analyse_photo(const cv::Mat& image, const config::PhotoSpec& spec, FaceDetector& detector,
                            Framing framing) {
  PhotoAnalysis a;
  if (image.empty() || image.type() != CV_8UC3) return a;
  const std::vector<FoundFace> faces = detector.find(image);
  if (faces.empty()) return a;
  const FoundFace& f = faces.front();
  a.faces = static_cast<int>(std::ranges::count_if(
      faces, [&](const FoundFace& other) { return other.box.width >= 0.5 * f.box.width; }));
  a.face = f;
  add(a, "face_count", a.faces, 1, 1);
  add(a, "eyes_found", f.has_eyes() ? 1 : 0, 1, 1);

  Head head;
  // Without eyes, where the face box puts them (turned with the face when it was found tilted).
  const auto guess = [&](double x_share) {
    const double t = f.tilt_deg * std::numbers::pi / 180;
    const cv::Point2d off((x_share - 0.5) * f.box.width, (0.42 - 0.5) * f.box.height);
    return (f.box.tl() + f.box.br()) / 2 +
           cv::Point2d(off.x * std::cos(t) - off.y * std::sin(t), off.x * std::sin(t) + off.y * std::cos(t));
  };
  const cv::Point2d left = f.left_eye.value_or(guess(0.3));
  const cv::Point2d right = f.right_eye.value_or(guess(0.7));
  head.mid = (left + right) / 2;
  head.eye_distance = cv::norm(right - left);
  const double roll = std::atan2(right.y - left.y, right.x - left.x);
  head.roll_deg = degrees(roll);
  head.across = {std::cos(roll), std::sin(roll)};
  head.down = {-std::sin(roll), std::cos(roll)};
  head.face_width = kFaceWidthOfBox * f.box.width;

  // Colour measures work on a copy reduced to about 320 pixels wide.
  const double reduce = std::min(1.0, 320.0 / image.cols);
  const cv::Mat small = reduce_image(image, reduce);
  cv::Mat small_lab;
  cv::cvtColor(small, small_lab, cv::COLOR_BGR2Lab);
  const cv::Vec3d background = background_colour(small_lab, head.mid.y * reduce);
  add(a, "background_clutter", clutter_around(small_lab, reduce, head), 0, kMaxClutter);
  find_crown(small_lab, reduce, background, head);
  const cv::Point2d box_bottom(f.box.x + f.box.width / 2, f.box.y + f.box.height);
  head.chin = 0.5 * (kChinEyeDistances * head.eye_distance + (box_bottom - head.mid).dot(head.down));

  const double per_mm = spec.width_px / spec.width_mm;
  Crop& crop = a.crop;
  if (framing == Framing::kFinishedPhoto) {
    crop.centre = {image.cols / 2.0, image.rows / 2.0};
    crop.size = image.size();
    crop.scale = spec.width_px / static_cast<double>(image.cols);
    add(a, "aspect_ratio", static_cast<double>(image.cols) / image.rows,
        0.98 * spec.width_px / spec.height_px, 1.02 * spec.width_px / spec.height_px);
  } else {
    // The scale that puts the head mid-way in the spec's height range, kept within the width
    // range when one is given, then the eye line mid-way, lowered if the crown needs the room.
    double low = spec.min_head_height_mm * per_mm / head.height();
    double high = spec.max_head_height_mm * per_mm / head.height();
    if (spec.max_head_width_mm > 0) {
      low = std::max(low, spec.min_head_width_mm * per_mm / head.face_width);
      high = std::min(high, spec.max_head_width_mm * per_mm / head.face_width);
    }
    const double mid = (spec.min_head_height_mm + spec.max_head_height_mm) / 2 * per_mm / head.height();
    crop.scale = low <= high ? std::clamp(mid, low, high) : mid;
    crop.size = {spec.width_px / crop.scale, spec.height_px / crop.scale};
    double eye_line = (spec.min_eye_line + spec.max_eye_line) / 2;
    eye_line = std::min(eye_line, 1 - (-head.crown / crop.size.height + kCrownMargin));
    eye_line = std::max(eye_line, spec.min_eye_line);
    const double top = -(1 - eye_line) * crop.size.height;
    crop.centre = head.at(0, top + crop.size.height / 2);
    crop.angle_deg = head.roll_deg;
  }
  // A point of the image in the photo's pixels (before scaling).
  const cv::Matx23d to_photo = crop.to_photo();
  const auto in_crop = [&](cv::Point2d p) {
    return cv::Point2d(to_photo * cv::Vec3d(p.x, p.y, 1)) / crop.scale;
  };

  if (framing == Framing::kCameraFrame) {
    add(a, "camera_eye_distance_px", head.eye_distance, spec.min_eye_distance_px, kNoLimit);
  }
  // Where the cut falls outside the image: left, right, top, bottom.
  cv::Vec4d overflow(0, 0, 0, 0);
  {
    cv::Point2f corners[4];
    cv::RotatedRect(crop.centre, crop.size, static_cast<float>(crop.angle_deg)).points(corners);
    for (const auto& c : corners) {
      overflow[0] = std::max(overflow[0], -static_cast<double>(c.x));
      overflow[1] = std::max(overflow[1], static_cast<double>(c.x) - image.cols);
      overflow[2] = std::max(overflow[2], -static_cast<double>(c.y));
      overflow[3] = std::max(overflow[3], static_cast<double>(c.y) - image.rows);
    }
    // Half a percent of the photo may be filled by the border: no one would see it.
    const double tolerance = 0.005 * crop.size.height + 1;
    const double worst = std::max({overflow[0], overflow[1], overflow[2], overflow[3]});
    if (framing == Framing::kCameraFrame) add(a, "photo_fits_frame", worst, 0, tolerance);
  }
  const cv::Point2d crown_point = in_crop(head.at(0, head.crown));
  add(a, "crown_in_photo", head.crown_cut ? -1 : crown_point.y / crop.size.height, 0.0, 1.0);
  add(a, "head_height_mm", head.height() * crop.scale / per_mm, spec.min_head_height_mm, spec.max_head_height_mm);
  if (spec.max_head_width_mm > 0) {
    add(a, "head_width_mm", head.face_width * crop.scale / per_mm, spec.min_head_width_mm, spec.max_head_width_mm);
  }
  add(a, "eye_line", 1 - in_crop(head.mid).y / crop.size.height, spec.min_eye_line, spec.max_eye_line);
  add(a, "eye_distance_px", head.eye_distance * crop.scale, spec.min_eye_distance_px, kNoLimit);
  add(a, "roll_deg", std::abs(head.roll_deg), 0, spec.max_roll_deg);
  const double yaw = f.has_eyes() ? yaw_from_symmetry(image, head, background) : kNaN;
  add(a, "yaw_deg", std::abs(yaw), 0, spec.max_yaw_deg);

  measure_face(image, head, spec, a);
  add(a, "eye_visibility", eye_visibility(image, f, head, a), kMinEyeVisibility, kNoLimit);
  measure_background(small, reduce, head, in_crop, crop.size, spec, a);
  const bool face_in_frame = (f.box & cv::Rect2d(0, 0, image.cols, image.rows)) == f.box;
  const bool cut_too_large = crop.size.width > image.cols + 1 || crop.size.height > image.rows + 1;
  a.guidance = guidance_for(a, spec, overflow, face_in_frame, cut_too_large);
  return a;
}

cv::Mat cut_photo(const cv::Mat& image, const PhotoAnalysis& analysis, const config::PhotoSpec& spec) {
  if (!analysis.face || image.empty()) return {};
  const Crop& c = analysis.crop;
  // warpAffine samples without averaging: going down in size, blur first so nothing aliases.
  cv::Mat source = image;
  if (c.scale < 0.8) cv::GaussianBlur(image, source, {0, 0}, 0.4 / c.scale);
  cv::Mat photo;
  cv::warpAffine(source, photo, c.to_photo(), {spec.width_px, spec.height_px}, cv::INTER_CUBIC,
                 cv::BORDER_REPLICATE);
  return photo;
}

}  // namespace kiosk::face
