// Device calibration; see calibration.hpp.
#include "kiosk/technician/calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "capture/finger/quality.hpp"
#include "config/log.hpp"
#include "config/utc_text.hpp"
#include "sync/storage.hpp"

namespace kiosk::app {
namespace {

constexpr double kMaxCardSpread = 0.10;   // a card's luminance varies less than this over its mean
constexpr double kMaxClipped = 0.01;      // share of the middle at 255 in some channel
constexpr double kMinCardLuminance = 30;  // darker: no light, or no card
constexpr double kMinGain = 1.0 / 3.0;    // beyond these the camera's own exposure is wrong,
constexpr double kMaxGain = 3.0;          //   not something gains should hide
// The card's level over its measured luminance, for the card chosen: within these, or the card
// held is the other one. A white card (230) and an 18 % grey one (118) differ by 1.95; the bounds
// meet at their geometric middle (about 165), so a card is taken for the one it is nearer to.
constexpr double kMaxCardRatio = 1.4;
constexpr double kMinSheetWhite = 120;    // a blank sheet's brightest millimetres at least
constexpr double kMaxFlatGain = 1.5;      // a lamp that needs more has failed
constexpr double kInkBelow = 0.7;         // a pixel this far under its column's mean is a mark
constexpr double kMaxInkShare = 0.002;    // more marks than this: the sheet is not blank
constexpr double kPlatenForegroundMm2 = 20;  // a clean platen shows less ridge area than this
constexpr int kPlatenMinutiae = 4;           //   and fewer minutiae

CalibrationRefusal refuse(std::string id, std::string detail) {
  return {std::move(id), std::move(detail)};
}

cv::Mat middle_of(const cv::Mat& image) {
  return image(cv::Rect(image.cols / 4, image.rows / 4, std::max(1, image.cols / 2),
                        std::max(1, image.rows / 2)));
}

// The luminance of an RGB or grey image, as floats.
cv::Mat luminance_of(const drivers::Image& image) {
  const int type = image.channels == 3 ? CV_8UC3 : CV_8UC1;
  const cv::Mat m(image.height, image.width, type, const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat grey;
  if (image.channels == 3) {
    cv::cvtColor(m, grey, cv::COLOR_RGB2GRAY);
  } else {
    grey = m;
  }
  cv::Mat out;
  grey.convertTo(out, CV_32F);
  return out;
}

// The page's column means (rows 10–90 %, clear of the lid's edges) gathered into 1 mm bins across
// the glass; `first` is the bin of the page's left edge. A page with no resolution: 1 % bins.
struct Profile {
  std::vector<double> bins;
  std::size_t first = 0;
  double mm_per_column = 0;
};

Profile profile_of(const cv::Mat& lum, double ppi, double left_mm) {
  const int top = lum.rows / 10, bottom = std::max(top + 1, lum.rows - lum.rows / 10);
  cv::Mat columns;
  cv::reduce(lum.rowRange(top, bottom), columns, 0, cv::REDUCE_AVG, CV_64F);
  Profile p;
  p.mm_per_column = ppi > 0 ? 25.4 / ppi : 100.0 / lum.cols;
  const double origin = ppi > 0 ? left_mm : 0.0;
  p.first = static_cast<std::size_t>(std::floor(origin));
  std::vector<double> sum, count;
  for (int x = 0; x < lum.cols; ++x) {
    const auto bin =
        static_cast<std::size_t>(std::floor(origin + (x + 0.5) * p.mm_per_column)) - p.first;
    if (bin >= sum.size()) {
      sum.resize(bin + 1, 0.0);
      count.resize(bin + 1, 0.0);
    }
    sum[bin] += columns.at<double>(0, x);
    count[bin] += 1;
  }
  for (std::size_t i = 0; i < sum.size(); ++i) {
    if (count[i] > 0)
      p.bins.push_back(sum[i] / count[i]);
    else
      p.bins.push_back(p.bins.empty() ? 0.0 : p.bins.back());
  }
  return p;
}

// A three-bin running mean: sensor noise is not unevenness.
std::vector<double> smoothed(const std::vector<double>& v) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::size_t a = i == 0 ? 0 : i - 1, b = std::min(v.size() - 1, i + 1);
    double s = 0;
    for (std::size_t j = a; j <= b; ++j) s += v[j];
    out[i] = s / static_cast<double>(b - a + 1);
  }
  return out;
}

double unevenness_of(const std::vector<double>& bins) {
  if (bins.empty()) return 0;
  const auto [lo, hi] = std::minmax_element(bins.begin(), bins.end());
  return *hi > 0 ? 100.0 * (*hi - *lo) / *hi : 0;
}

// The unevenness of a page whose left edge lies `left_mm` from the glass's.
double unevenness_at(const drivers::Image& page, double left_mm) {
  return unevenness_of(smoothed(profile_of(luminance_of(page), page.pixels_per_inch, left_mm).bins));
}

nlohmann::json reading_json(const CardReading& r) {
  return {{"luminance", r.luminance},
          {"red_to_green", r.red_to_green},
          {"blue_to_green", r.blue_to_green},
          {"spread", r.spread}};
}

}  // namespace

std::optional<Card> card_from(std::string_view name) {
  if (name == "white") return Card::kWhite;
  if (name == "grey") return Card::kGrey;
  return std::nullopt;
}

std::string_view to_string(Card card) { return card == Card::kWhite ? "white" : "grey"; }

double card_level(Card card) { return card == Card::kWhite ? 230.0 : 118.0; }

CardReading read_card(const cv::Mat& rgb) {
  cv::Mat m;
  middle_of(rgb).convertTo(m, CV_32FC3);
  const cv::Scalar mean = cv::mean(m);
  cv::Mat lum;
  cv::transform(m, lum, cv::Matx13f(0.299f, 0.587f, 0.114f));
  cv::Scalar lum_mean, lum_sd;
  cv::meanStdDev(lum, lum_mean, lum_sd);
  std::vector<cv::Mat> channels;
  cv::split(m, channels);
  cv::Mat clipped = (channels[0] >= 254.5f) | (channels[1] >= 254.5f) | (channels[2] >= 254.5f);
  CardReading r;
  r.luminance = lum_mean[0];
  r.red_to_green = mean[1] > 0 ? mean[0] / mean[1] : 0;
  r.blue_to_green = mean[1] > 0 ? mean[2] / mean[1] : 0;
  r.spread = lum_mean[0] > 0 ? lum_sd[0] / lum_mean[0] : 0;
  r.clipped = static_cast<double>(cv::countNonZero(clipped)) / static_cast<double>(clipped.total());
  return r;
}

std::expected<CameraCalibration, CalibrationRefusal> calibrate_camera(
    const std::vector<cv::Mat>& frames, Card card, const drivers::ColourGains& in_use) {
  if (frames.empty())
    return std::unexpected(refuse("calibration.no_picture", "the camera gave no frame"));
  cv::Mat sum = cv::Mat::zeros(frames.front().size(), CV_32FC3);
  for (const auto& f : frames) {
    if (f.size() != sum.size() || f.type() != CV_8UC3) {
      return std::unexpected(
          refuse("calibration.no_picture", "the camera's frames are not 8-bit colour"));
    }
    cv::accumulate(f, sum);
  }
  const cv::Mat mean_frame = sum / static_cast<double>(frames.size());

  CameraCalibration c;
  c.card = card;
  c.before = read_card(mean_frame);
  const auto figure = [](double v) { return fmt::format("{:.1f}", v); };
  if (c.before.luminance < kMinCardLuminance) {
    return std::unexpected(
        refuse("calibration.too_dark", "luminance " + figure(c.before.luminance)));
  }
  if (c.before.clipped > kMaxClipped) {
    return std::unexpected(
        refuse("calibration.too_bright", figure(100 * c.before.clipped) + " % clipped"));
  }
  if (c.before.spread > kMaxCardSpread) {
    return std::unexpected(
        refuse("calibration.card_not_filling", "spread " + fmt::format("{:.3f}", c.before.spread)));
  }
  const cv::Scalar m = cv::mean(middle_of(mean_frame));  // R, G, B
  const double level = card_level(card);
  const cv::Scalar step(level / m[0], level / m[1], level / m[2]);
  c.gains = {in_use.red * step[0], in_use.green * step[1], in_use.blue * step[2]};
  for (const double g : {c.gains.red, c.gains.green, c.gains.blue}) {
    if (g < kMinGain || g > kMaxGain) {
      return std::unexpected(
          refuse("calibration.out_of_range", "gain " + fmt::format("{:.2f}", g)));
    }
  }
  // The card held is the card chosen: a white card called grey would be darkened to grey, and
  // every applicant's background would then fail as "not white".
  const double ratio = level / c.before.luminance;
  if (ratio < 1 / kMaxCardRatio || ratio > kMaxCardRatio) {
    return std::unexpected(refuse(card == Card::kGrey ? "calibration.card_looks_white" : "calibration.card_looks_grey",
                                  "luminance " + figure(c.before.luminance) + ", a " + std::string(to_string(card)) +
                                      " card is brought to " + figure(level)));
  }
  cv::Mat corrected;
  cv::multiply(mean_frame, step, corrected);
  cv::min(corrected, 255.0, corrected);
  c.after = read_card(corrected);
  return c;
}

double unevenness(const drivers::Image& page) {
  return page.empty() ? 0 : unevenness_at(page, 0);
}

std::expected<ScannerCalibration, CalibrationRefusal> calibrate_scanner(const drivers::Image& blank,
                                                                        double left_mm) {
  if (blank.empty() || blank.width < 16 || blank.height < 16) {
    return std::unexpected(refuse("calibration.no_picture", "the scanner gave no page"));
  }
  if (blank.pixels_per_inch <= 0) {
    return std::unexpected(
        refuse("calibration.no_picture", "the scanner did not say its resolution"));
  }
  const cv::Mat lum = luminance_of(blank);
  const Profile p = profile_of(lum, blank.pixels_per_inch, left_mm);
  const std::vector<double> level = smoothed(p.bins);
  ScannerCalibration c;
  c.white_level = *std::max_element(level.begin(), level.end());
  if (c.white_level < kMinSheetWhite) {
    return std::unexpected(
        refuse("calibration.no_sheet", fmt::format("white level {:.0f}", c.white_level)));
  }
  // Marks on the sheet: pixels well under their column's mean.
  cv::Mat columns;
  cv::reduce(lum, columns, 0, cv::REDUCE_AVG, CV_32F);
  cv::Mat marks = lum < cv::repeat(columns * kInkBelow, lum.rows, 1);
  const double ink =
      static_cast<double>(cv::countNonZero(marks)) / static_cast<double>(marks.total());
  if (ink > kMaxInkShare) {
    return std::unexpected(
        refuse("calibration.sheet_not_blank", fmt::format("{:.2f} % marked", 100 * ink)));
  }
  c.field.step_mm = 1.0;
  c.field.gain.assign(p.first, 0.0F);  // bins left of the page: the page's first gain, below
  for (std::size_t i = 0; i < level.size(); ++i) {
    const double g = level[i] > 0 ? c.white_level / level[i] : kMaxFlatGain + 1;
    if (g > kMaxFlatGain) {
      return std::unexpected(
          refuse("calibration.lamp_uneven",
                 fmt::format("{:.0f} mm from the left edge is {:.0f} % darker",
                             static_cast<double>(p.first + i), 100 * (1 - 1 / g))));
    }
    c.field.gain.push_back(static_cast<float>(g));
  }
  std::fill(c.field.gain.begin(), c.field.gain.begin() + static_cast<std::ptrdiff_t>(p.first),
            c.field.gain[p.first]);
  c.unevenness_before = unevenness_of(level);
  drivers::Image after = blank;
  drivers::apply(c.field, left_mm, after);
  c.unevenness_after = unevenness_at(after, left_mm);
  return c;
}

PlatenCheck check_platen(const drivers::Image* capture, double pixels_per_inch, int minutiae) {
  PlatenCheck c;
  if (capture == nullptr) return c;  // nothing touched the reader: clean
  c.image_seen = true;
  c.minutiae = minutiae;
  if (capture->channels == 1 && !capture->empty()) {
    const cv::Mat grey(capture->height, capture->width, CV_8UC1,
                       const_cast<std::uint8_t*>(capture->pixels.data()));
    c.foreground_mm2 =
        finger::assess_quality(grey, pixels_per_inch, minutiae).measures.foreground_mm2;
  }
  c.clean = c.foreground_mm2 < kPlatenForegroundMm2 && minutiae < kPlatenMinutiae;
  return c;
}

CalibrationStore::CalibrationStore(std::filesystem::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  if (!in) return;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_object()) {
    saved_ = std::move(j);
  } else {
    log::get("technician")->warn("{} is unreadable: the devices run uncalibrated", file_.string());
  }
}

drivers::ColourGains CalibrationStore::camera_gains() const {
  drivers::ColourGains g;
  const auto& c = saved_.value("camera", nlohmann::json::object());
  if (!c.contains("gains") || !c["gains"].is_object()) return g;
  const auto& j = c["gains"];
  const auto gain = [&](const char* k) {
    const double v = j.value(k, 1.0);
    return v >= kMinGain && v <= kMaxGain ? v : 1.0;
  };
  return {gain("red"), gain("green"), gain("blue")};
}

drivers::FlatField CalibrationStore::flat_field() const {
  drivers::FlatField f;
  const auto& s = saved_.value("scanner", nlohmann::json::object());
  if (!s.contains("gain") || !s["gain"].is_array()) return f;
  f.step_mm = s.value("step_mm", 1.0);
  for (const auto& g : s["gain"]) {
    if (!g.is_number() || g.get<double>() < 1.0 / kMaxFlatGain || g.get<double>() > kMaxFlatGain)
      return {};
    f.gain.push_back(g.get<float>());
  }
  if (f.step_mm <= 0) return {};
  return f;
}

nlohmann::json CalibrationStore::shown() const {
  nlohmann::json s = saved_;
  if (s.contains("scanner")) {
    s["scanner"].erase("gain");
    s["scanner"].erase("step_mm");
  }
  return s;
}

bool CalibrationStore::platen_dirty() const {
  const auto& f = saved_.value("fingerprint", nlohmann::json::object());
  return !f.value("clean", true);
}

nlohmann::json CalibrationStore::figures(const CameraCalibration& c) {
  return {{"card", to_string(c.card)},
          {"gains", {{"red", c.gains.red}, {"green", c.gains.green}, {"blue", c.gains.blue}}},
          {"before", reading_json(c.before)},
          {"after", reading_json(c.after)}};
}

nlohmann::json CalibrationStore::figures(const ScannerCalibration& c) {
  return {{"white_level", c.white_level},
          {"unevenness_before_pct", c.unevenness_before},
          {"unevenness_after_pct", c.unevenness_after}};
}

nlohmann::json CalibrationStore::figures(const PlatenCheck& c) {
  return {{"clean", c.clean},
          {"image_seen", c.image_seen},
          {"foreground_mm2", c.foreground_mm2},
          {"minutiae", c.minutiae}};
}

bool CalibrationStore::save(const CameraCalibration& c, std::chrono::system_clock::time_point at) {
  return write("camera", figures(c), at);
}

bool CalibrationStore::save(const ScannerCalibration& c, std::chrono::system_clock::time_point at) {
  nlohmann::json record = figures(c);
  record["step_mm"] = c.field.step_mm;
  record["gain"] = c.field.gain;
  return write("scanner", std::move(record), at);
}

bool CalibrationStore::save(const PlatenCheck& c, std::chrono::system_clock::time_point at) {
  return write("fingerprint", figures(c), at);
}

bool CalibrationStore::write(const std::string& device, nlohmann::json record,
                             std::chrono::system_clock::time_point at) {
  record["measured_at"] = utc_text(at);
  nlohmann::json next = saved_;
  next[device] = std::move(record);
  if (auto written = sync::storage::write_durably(file_, next.dump(1)); !written) {
    log::get("technician")
        ->error("cannot save the {} calibration to {}: {}", device, file_.string(),
                written.error());
    return false;
  }
  saved_ = std::move(next);
  return true;
}

}  // namespace kiosk::app
