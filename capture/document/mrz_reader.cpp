// Finding and reading the machine-readable zone; see mrz_reader.hpp.
#include "capture/document/mrz_reader.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include <opencv2/freetype.hpp>
#include <opencv2/imgproc.hpp>

namespace kiosk::document {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
const std::string kRescan = "; please scan the data page again";

// Every cell is compared at this size: a window 0.8 cap heights wide and 1.28 high, centred on the
// glyph's centre of ink and half a cap height above the baseline; the sample is taken kShift cells larger each way to try small shifts.
constexpr int kCellWidth = 20, kCellHeight = 32, kShift = 1;
constexpr float kShortlist = 0.25f;  // templates this close to the best centred match are shifted
constexpr double kWindowWidth = 0.8;  // in cap heights; the height follows from the cell: 1.28
// A character whose ink is less than this against its line's usual is faint (glare over it).
constexpr float kFaint = 0.45f;
// A page whose characters' pitch changes by more than this along a line is bent away from the
// glass (or held at an angle): "lay it flat" is what would help.
constexpr double kBent = 0.04;

// What ICAO 9303 lets stand at a place: letters (and filler) in names and codes, digits (and
// filler) in dates and check digits, anything in numbers and optional data.
enum class Kind { kLetter, kDigit, kAny };
Kind kind_at(int cells, int line, int i) {
  if (cells == 30) {  // TD1
    if (line == 0) return i < 5 ? Kind::kLetter : i == 14 ? Kind::kDigit : Kind::kAny;
    if (line == 1) {
      if (i == 7 || (i >= 15 && i <= 17)) return Kind::kLetter;
      if (i <= 14 || i == 29) return Kind::kDigit;
      return Kind::kAny;
    }
    return Kind::kLetter;
  }
  if (line == 0) return Kind::kLetter;  // TD3, TD2
  if (i <= 8) return Kind::kAny;        // document number
  if (i == 9 || (i >= 13 && i <= 19) || (i >= 21 && i <= 27)) return Kind::kDigit;
  if ((i >= 10 && i <= 12) || i == 20) return Kind::kLetter;  // nationality, sex
  if (i == cells - 1 || (cells == 44 && i == 42)) return Kind::kDigit;
  return Kind::kAny;  // optional data
}
bool allowed(Kind kind, char c) {
  if (c == '<') return true;
  if (kind == Kind::kLetter) return c >= 'A' && c <= 'Z';
  if (kind == Kind::kDigit) return c >= '0' && c <= '9';
  return true;
}
// 8-bit grey, whatever the scan came as (16-bit scanners, colour with or without alpha).
cv::Mat grey_of(const cv::Mat& page) {
  cv::Mat grey = page;
  if (page.channels() != 1) {
    cv::cvtColor(page, grey, page.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  }
  if (grey.depth() == CV_16U) grey.convertTo(grey, CV_8U, 1.0 / 257);
  return grey;
}

// Ink as a bright "darkness" image: what is darker than its surroundings within `reach` px,
// whatever the light on the page (a black-hat).
cv::Mat darkness_of(const cv::Mat& grey, int reach) {
  cv::Mat dark;
  const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(reach | 1, reach | 1));
  cv::morphologyEx(grey, dark, cv::MORPH_BLACKHAT, kernel);
  return dark;
}

// ---- Finding the zone -------------------------------------------------------------------------

struct Line {
  cv::RotatedRect box;  // width along the line, angle in (-45, 45]
  double length() const { return box.size.width; }
  double height() const { return box.size.height; }
};

// Runs of ink whose gaps are shorter than `reach` px, at least `elongation` times as long as they
// are high, longest first: `page_ink` is the page's ink, binary.
std::vector<Line> long_lines(const cv::Mat& page_ink, int reach, double elongation) {
  cv::Mat ink;
  cv::morphologyEx(page_ink, ink, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {reach, 3}));
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(ink, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  std::vector<Line> lines;
  for (const auto& contour : contours) {
    cv::RotatedRect r = cv::minAreaRect(contour);
    if (r.size.width < r.size.height) {
      std::swap(r.size.width, r.size.height);
      r.angle += 90;
    }
    while (r.angle > 45) r.angle -= 180;
    while (r.angle <= -135) r.angle += 180;
    if (r.angle <= -45) r.angle += 180;
    if (r.size.height < 3 || r.size.width < elongation * r.size.height) continue;
    lines.push_back({r});
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.length() > b.length(); });
  return lines;
}

// The zone: two or three lines of about the same length, parallel, one above the other, spaced
// as ICAO spaces them. The longest such group wins.
std::vector<Line> zone_lines(const std::vector<Line>& lines) {
  for (const Line& seed : lines) {
    const double theta = seed.box.angle * std::numbers::pi / 180;
    const cv::Point2d along(std::cos(theta), std::sin(theta)), across(-along.y, along.x);
    std::vector<Line> group;
    for (const Line& other : lines) {
      const cv::Point2d d(other.box.center.x - seed.box.center.x, other.box.center.y - seed.box.center.y);
      if (other.length() < 0.85 * seed.length() || other.length() > seed.length() / 0.85) continue;
      if (std::abs(other.box.angle - seed.box.angle) > 2) continue;
      if (std::abs(d.dot(along)) > 0.1 * seed.length()) continue;
      if (std::abs(d.dot(across)) > 6 * seed.height()) continue;
      group.push_back(other);
    }
    if (group.size() == 2 || group.size() == 3) return group;
  }
  return {};
}

// A zone's line lengthened by the runs of ink that continue it: a glare streak across the zone
// greys the characters under it below the page's ink threshold and cuts the line there, and the
// cut-off characters are the zone's all the same. A run continues the line where it lies on the
// line's axis and within a few line heights of its end.
Line extended(Line line, const std::vector<Line>& pieces) {
  const double theta = line.box.angle * std::numbers::pi / 180;
  const cv::Point2d along(std::cos(theta), std::sin(theta)), across(-along.y, along.x);
  const cv::Point2d centre(line.box.center);
  const double height = line.height();
  double from = -line.length() / 2, to = line.length() / 2;
  std::vector<std::pair<double, double>> runs;  // along the axis, of the pieces on it
  for (const Line& piece : pieces) {
    const cv::Point2d d = cv::Point2d(piece.box.center) - centre;
    if (std::abs(d.dot(across)) > 0.5 * height || piece.height() > 1.5 * height) continue;
    runs.emplace_back(d.dot(along) - piece.length() / 2, d.dot(along) + piece.length() / 2);
  }
  std::sort(runs.begin(), runs.end());
  for (const auto& [a, b] : runs) {  // rightwards
    if (a > to && a - to < 4 * height) to = std::max(to, b);
  }
  for (auto run = runs.rbegin(); run != runs.rend(); ++run) {  // leftwards
    if (run->second < from && from - run->second < 4 * height) from = std::min(from, run->first);
  }
  line.box.center = cv::Point2f(centre + along * ((from + to) / 2));
  line.box.size.width = static_cast<float>(to - from);
  return line;
}

// ---- Reading the straightened zone ------------------------------------------------------------

struct Grid {
  double baseline = 0;
  double cap = 0;     // cap height: of the letters, which are shorter than OCR-B's digits
  double height = 0;  // of this line's tallest glyphs
  // Where cell i's centre lies: origin + pitch·i + bend·i². The bend is the perspective of a page
  // not flat on the glass or seen at an angle, whose far end's characters come closer together.
  double origin = 0, pitch = 0, bend = 0;
  int cells = 0;
  double centre(double i) const { return origin + pitch * i + bend * i * i; }
  double pitch_at(double i) const { return pitch + 2 * bend * i; }
  // The cell nearest to x, and how far x lies from its centre.
  std::pair<double, double> nearest(double x) const {
    double k = std::round((x - origin) / pitch);
    k += std::round((x - centre(k)) / pitch_at(k));
    return {k, x - centre(k)};
  }
};

// Rows of `ink` that hold text, as [top, bottom) runs, the `count` most inked, top to bottom.
std::vector<std::pair<int, int>> text_rows(const cv::Mat& ink, std::size_t count) {
  cv::Mat rows;
  cv::reduce(ink, rows, 1, cv::REDUCE_SUM, CV_32F);
  const float threshold = 255.0f * static_cast<float>(ink.cols) * 0.04f;
  std::vector<std::pair<int, int>> runs;
  std::vector<double> weight;
  bool inside = false;
  for (int y = 0; y < rows.rows; ++y) {
    const float v = rows.at<float>(y, 0);
    const bool on = v > threshold;
    if (on && !inside) {
      runs.emplace_back(y, y + 1);
      weight.push_back(0);
    }
    if (on) {
      runs.back().second = y + 1;
      weight.back() += v;
    }
    inside = on;
  }
  std::vector<std::size_t> order(runs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return weight[a] > weight[b]; });
  if (order.size() > count) order.resize(count);
  std::vector<std::pair<int, int>> kept;
  for (std::size_t i : order) kept.push_back(runs[i]);
  std::sort(kept.begin(), kept.end());
  return kept;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// The mean of the middle half: whole-pixel measures of many glyphs give a sub-pixel one.
double trimmed_mean(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t from = v.size() / 4, to = std::max(from + 1, v.size() - v.size() / 4);
  double sum = 0;
  for (std::size_t i = from; i < to; ++i) sum += v[i];
  return sum / static_cast<double>(to - from);
}

// Fits the fixed-pitch grid to a line's glyphs: the pitch from the spacing of neighbours, the
// phase from where the glyph centres fall, then both refined by least squares.
std::optional<Grid> fit_grid(const cv::Mat& ink, std::pair<int, int> rows) {
  const int pad = (rows.second - rows.first) / 3;
  const int top = std::max(0, rows.first - pad), bottom = std::min(ink.rows, rows.second + pad);
  const cv::Mat band = ink(cv::Range(top, bottom), cv::Range::all());
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(band, labels, stats, centroids, 8, CV_32S);
  const double line_height = rows.second - rows.first;
  struct Blob {
    double x, top, bottom;
  };
  std::vector<Blob> blobs;
  for (int i = 1; i < n; ++i) {
    const int h = stats.at<int>(i, cv::CC_STAT_HEIGHT), w = stats.at<int>(i, cv::CC_STAT_WIDTH);
    if (h < 0.35 * line_height || w > 1.2 * line_height) continue;
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP) + top;
    blobs.push_back({x + w / 2.0, static_cast<double>(y), static_cast<double>(y + h)});
  }
  if (blobs.size() < 10) return std::nullopt;
  std::sort(blobs.begin(), blobs.end(), [](const Blob& a, const Blob& b) { return a.x < b.x; });
  std::vector<double> steps;
  for (std::size_t i = 1; i < blobs.size(); ++i) {
    const double step = blobs[i].x - blobs[i - 1].x;
    if (step > 0.5 * line_height) steps.push_back(step);
  }
  Grid g;
  g.pitch = median(steps);
  if (g.pitch <= 0) return std::nullopt;
  double c = 0, s = 0;
  for (const Blob& b : blobs) {
    const double phase = 2 * std::numbers::pi * b.x / g.pitch;
    c += std::cos(phase);
    s += std::sin(phase);
  }
  g.origin = std::atan2(s, c) / (2 * std::numbers::pi) * g.pitch;
  // Refined by least squares over the glyphs near their cells: a straight grid first, then one
  // that may bend, each round taking in the glyphs the better grid brings near their cells.
  for (int round = 0; round < 4; ++round) {
    const bool bends = round >= 1;
    cv::Mat a(0, bends ? 3 : 2, CV_64F), b(0, 1, CV_64F);
    for (const Blob& blob : blobs) {
      const auto [k, off] = g.nearest(blob.x);
      if (std::abs(off) > 0.3 * g.pitch_at(k)) continue;
      cv::Mat row = bends ? (cv::Mat_<double>(1, 3) << 1, k, k * k) : (cv::Mat_<double>(1, 2) << 1, k);
      a.push_back(row);
      b.push_back(blob.x);
    }
    cv::Mat fit;
    if (a.rows < 10 || !cv::solve(a, b, fit, cv::DECOMP_SVD)) return std::nullopt;
    Grid next = g;
    next.origin = fit.at<double>(0);
    next.pitch = fit.at<double>(1);
    next.bend = bends ? fit.at<double>(2) : 0;
    // Perspective changes the pitch by a few per cent along a line, never by a fifth.
    if (next.pitch <= 0 || std::abs(next.bend) * 2 * 44 > 0.2 * next.pitch) break;
    g = next;
  }
  // Letters and digits stand on the baseline; fillers float above it and are shorter.
  double first = 1e9, last = -1e9;
  std::vector<double> heights, bottoms;
  for (const Blob& b : blobs) heights.push_back(b.bottom - b.top);
  std::sort(heights.begin(), heights.end());
  const double tall = heights[heights.size() * 9 / 10];
  heights.clear();
  for (const Blob& b : blobs) {
    const auto [k, off] = g.nearest(b.x);
    if (std::abs(off) > 0.3 * g.pitch_at(k)) continue;
    first = std::min(first, k);
    last = std::max(last, k);
    if (b.bottom - b.top > 0.92 * tall) {
      heights.push_back(b.bottom - b.top);
      bottoms.push_back(b.bottom);
    }
  }
  // Counted from the first cell.
  g.origin = g.centre(first);
  g.pitch = g.pitch + 2 * g.bend * first;
  g.cells = static_cast<int>(last - first) + 1;
  g.baseline = trimmed_mean(bottoms);
  g.height = trimmed_mean(heights);
  if (g.height < 6) return std::nullopt;
  return g;
}

struct Cell {
  char best = '<', runner_up = '<';
  float score = 0, margin = 0;
  float ink = 0;  // the strongest darkness in the cell
};

class ZoneRecogniser {
 public:
  ZoneRecogniser(const MrzReader::Templates& templates, const cv::Mat& dark)
      : templates_(templates), dark_(dark) {}

  // The cells of an upright zone's lines, by their grids. With `every` > 1
  // only every so many cells are read: enough to tell which way up the zone is.
  std::vector<std::vector<Cell>> read(const std::vector<Grid>& grids, int every) const {
    std::vector<std::vector<Cell>> lines;
    for (std::size_t line = 0; line < grids.size(); ++line) {
      std::vector<Cell> cells;
      for (int i = 0; i < grids[line].cells; i += every) {
        cells.push_back(cell(grids[line], kind_at(grids[line].cells, static_cast<int>(line), i), i));
      }
      lines.push_back(std::move(cells));
    }
    return lines;
  }

 private:
  Cell cell(const Grid& g, Kind kind, int i) const {
    // Centre the window on the cell's ink, which may sit a little off the fitted grid.
    const double cap = g.cap;
    const double pitch = g.pitch_at(i);
    const int x0 = std::max(0, static_cast<int>(g.centre(i) - pitch / 2));
    const int x1 = std::min(dark_.cols, static_cast<int>(g.centre(i) + pitch / 2) + 1);
    const int y0 = std::max(0, static_cast<int>(g.baseline - cap)), y1 = std::min(dark_.rows, static_cast<int>(g.baseline) + 1);
    double centre = g.centre(i);
    if (x1 > x0 && y1 > y0) {
      cv::Mat columns;
      cv::reduce(dark_(cv::Range(y0, y1), cv::Range(x0, x1)), columns, 0, cv::REDUCE_SUM, CV_64F);
      double mass = 0, moment = 0;
      for (int x = 0; x < columns.cols; ++x) {
        mass += columns.at<double>(0, x);
        moment += columns.at<double>(0, x) * (x0 + x + 0.5);
      }
      if (mass > 0) centre = std::clamp(moment / mass, g.centre(i) - 0.2 * pitch, g.centre(i) + 0.2 * pitch);
    }
    const double scale = kWindowWidth * cap / kCellWidth;  // scan px per cell px
    const cv::Size sampled(kCellWidth + 2 * kShift, kCellHeight + 2 * kShift);
    // Affine map from the sample's pixels to the scan's.
    cv::Mat map = (cv::Mat_<double>(2, 3) << scale, 0, centre - scale * sampled.width / 2.0, 0, scale,
                   g.baseline - cap / 2 - scale * sampled.height / 2.0);
    cv::Mat sample;
    cv::warpAffine(dark_, sample, map, sampled, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, 0);
    sample.convertTo(sample, CV_32F);
    double ink = 0;
    cv::minMaxLoc(sample, nullptr, &ink);
    cv::Mat shifts((2 * kShift + 1) * (2 * kShift + 1), kCellWidth * kCellHeight, CV_32F);
    int row = 0;
    for (int dy = 0; dy <= 2 * kShift; ++dy) {
      for (int dx = 0; dx <= 2 * kShift; ++dx, ++row) {
        cv::Mat patch = sample(cv::Rect(dx, dy, kCellWidth, kCellHeight)).clone().reshape(1, 1);
        patch -= cv::mean(patch)[0];
        const double length = cv::norm(patch);
        if (length > 1e-6) patch /= length;
        patch.copyTo(shifts.row(row));
      }
    }
    float best[kAlphabet.size()];
    std::fill(std::begin(best), std::end(best), -2.0f);
    // Every template at the centred position first; those that come near the best are then tried
    // at every shift, so that alignment decides between close shapes without the cost of
    // shifting all of them.
    const int centred = kShift * (2 * kShift + 1) + kShift;
    const cv::Mat first = shifts.row(centred) * templates_.shapes;
    float leader = -2;
    for (int t = 0; t < first.cols; ++t) {
      const char c = templates_.characters[static_cast<std::size_t>(t)];
      if (allowed(kind, c)) leader = std::max(leader, first.at<float>(0, t));
    }
    for (int t = 0; t < first.cols; ++t) {
      const char c = templates_.characters[static_cast<std::size_t>(t)];
      if (!allowed(kind, c)) continue;
      float score = first.at<float>(0, t);
      if (score > leader - kShortlist) {
        double top = 0;
        cv::minMaxLoc(shifts * templates_.shapes.col(t), nullptr, &top);
        score = static_cast<float>(top);
      }
      float& slot = best[kAlphabet.find(c)];
      slot = std::max(slot, score);
    }
    Cell result;
    float second = -2;
    result.score = -2;
    for (std::size_t c = 0; c < kAlphabet.size(); ++c) {
      if (best[c] > result.score) {
        second = result.score;
        result.runner_up = result.best;
        result.score = best[c];
        result.best = kAlphabet[c];
      } else if (best[c] > second) {
        second = best[c];
        result.runner_up = kAlphabet[c];
      }
    }
    result.margin = result.score - second;
    result.ink = static_cast<float>(ink);
    return result;
  }

  const MrzReader::Templates& templates_;
  const cv::Mat& dark_;
};

// The grids of an upright zone's lines, or an error when they do not make a zone.
// How much wider the character pitch is at one end of the zone's lines than at the other (0.1: a
// tenth), from the steps between neighbouring glyphs in the quarter of each line at either end: a
// page bent away from the glass, or seen at an angle, shrinks its far end. The pitch, not the
// glyphs' heights, as OCR-B's digits are taller than its letters. 0 where it cannot be told.
double shrinking(const cv::Mat& dark) {
  cv::Mat ink, labels, stats, centroids;
  cv::threshold(dark, ink, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  std::vector<double> heights;
  for (int i = 1; i < n; ++i) heights.push_back(stats.at<int>(i, cv::CC_STAT_HEIGHT));
  if (heights.size() < 20) return 0;
  std::sort(heights.begin(), heights.end());
  const double tall = heights[heights.size() * 9 / 10];
  std::vector<cv::Point2d> glyphs;  // fillers too: they keep the pitch
  for (int i = 1; i < n; ++i) {
    const double h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    if (h >= 0.3 * tall && h <= 1.3 * tall) glyphs.emplace_back(centroids.at<double>(i, 0), centroids.at<double>(i, 1));
  }
  std::vector<double> left, right;
  for (const auto& g : glyphs) {
    double step = 1e9;
    for (const auto& o : glyphs) {
      if (o.x > g.x && std::abs(o.y - g.y) < 0.5 * tall) step = std::min(step, o.x - g.x);
    }
    if (step > 1.5 * tall) continue;  // the line's end, or a glyph lost
    if (g.x < 0.25 * ink.cols) left.push_back(step);
    if (g.x > 0.75 * ink.cols) right.push_back(step);
  }
  if (left.size() < 5 || right.size() < 5) return 0;
  const double a = median(left), b = median(right);
  return std::max(a, b) / std::max(1.0, std::min(a, b)) - 1;
}

std::expected<std::vector<Grid>, std::string> grids_of(const cv::Mat& dark, std::size_t lines) {
  cv::Mat ink;
  cv::threshold(dark, ink, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  const auto rows = text_rows(ink, lines);
  if (rows.size() != lines) return std::unexpected("the zone's lines could not be told apart");
  std::vector<Grid> grids;
  for (const auto& r : rows) {
    const auto grid = fit_grid(ink, r);
    if (!grid) return std::unexpected(std::string("the characters of the zone could not be placed"));
    grids.push_back(*grid);
  }
  // The names line holds letters only: its height is the cap height for every line.
  const double cap = grids[lines == 3 ? 2 : 0].height;
  for (Grid& g : grids) g.cap = cap;
  const int cells = grids.front().cells;
  const bool sized = lines == 3 ? cells == 30 : (cells == 44 || cells == 36);
  for (const Grid& g : grids) {
    if (g.cells != cells || !sized) {
      return std::unexpected("the zone's lines hold " + std::to_string(g.cells) + " characters, not " +
                             (lines == 3 ? std::string("30") : std::string("44 or 36")));
    }
  }
  return grids;
}

double mean_score(const std::vector<std::vector<Cell>>& lines) {
  double total = 0;
  std::size_t count = 0;
  for (const auto& line : lines) {
    for (const Cell& c : line) total += c.score, ++count;
  }
  return count == 0 ? -1 : total / static_cast<double>(count);
}

}  // namespace

std::expected<MrzReader, std::string> MrzReader::load(const std::filesystem::path& ocr_b_font) {
  if (!std::filesystem::exists(ocr_b_font)) {
    return std::unexpected("the OCR-B font " + ocr_b_font.string() + " is missing (Debian package fonts-ocr-b)");
  }
  auto font = cv::freetype::createFreeType2();
  try {
    font->loadFontData(ocr_b_font.string(), 0);
  } catch (const cv::Exception& e) {
    return std::unexpected("the OCR-B font " + ocr_b_font.string() + " cannot be loaded: " + e.what());
  }
  constexpr int kSize = 160;  // font height in px; the cap height comes out at about 100
  const auto render = [&](char c) {
    cv::Mat canvas(2 * kSize, 2 * kSize, CV_8UC3, cv::Scalar(0, 0, 0));
    font->putText(canvas, std::string(1, c), {kSize / 2, kSize + kSize / 3}, kSize, cv::Scalar(255, 255, 255),
                  cv::FILLED, cv::LINE_AA, true);
    cv::Mat grey;
    cv::cvtColor(canvas, grey, cv::COLOR_BGR2GRAY);
    return grey;
  };
  const cv::Rect cap = cv::boundingRect(render('H'));
  if (cap.height < 10) return std::unexpected("the OCR-B font " + ocr_b_font.string() + " draws no letters");
  const double scale = kWindowWidth * cap.height / kCellWidth;
  Templates templates;
  std::vector<cv::Mat> columns;
  for (char c : kAlphabet) {
    const cv::Mat glyph = render(c);
    const cv::Moments m = cv::moments(glyph);
    const double centre = m.m10 / m.m00;
    // Thin, as printed, bold: stroke weights vary with the printer and the scanner's threshold;
    // sharp to soft: so does the focus.
    for (int variant = 0; variant < 9; ++variant) {
      const int weight = variant % 3 - 1;
      const double softness = 0.5 + 0.6 * (variant / 3);
      cv::Mat shaped = glyph.clone();
      const cv::Mat disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, {7, 7});
      if (weight < 0) cv::erode(glyph, shaped, disc);
      if (weight > 0) cv::dilate(glyph, shaped, disc);
      cv::Mat map = (cv::Mat_<double>(2, 3) << scale, 0, centre - scale * kCellWidth / 2.0, 0, scale,
                     cap.y + cap.height / 2.0 - scale * kCellHeight / 2.0);
      cv::Mat blurred, cell;
      cv::GaussianBlur(shaped, blurred, cv::Size(0, 0), scale * softness);
      cv::warpAffine(blurred, cell, map, {kCellWidth, kCellHeight}, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP);
      cell.convertTo(cell, CV_32F);
      cell = cell.reshape(1, 1);
      cell -= cv::mean(cell)[0];
      cell /= cv::norm(cell);
      templates.characters += c;
      columns.push_back(cell.t());
    }
  }
  cv::hconcat(columns, templates.shapes);
  return MrzReader(std::move(templates));
}

std::expected<ZoneReading, ZoneProblem> MrzReader::read(const cv::Mat& page) const {
  using enum ZoneProblem::Kind;
  const auto fail = [](ZoneProblem::Kind kind, std::string detail) {
    return std::unexpected(ZoneProblem{kind, std::move(detail)});
  };
  if (page.empty()) return fail(kBadScan, "the scan is empty");
  if (page.depth() != CV_8U && page.depth() != CV_16U) {
    return fail(kBadScan, "the scan is neither 8 nor 16 bits a channel");
  }
  if (page.channels() != 1 && page.channels() != 3 && page.channels() != 4) {
    return fail(kBadScan, "the scan is neither grey nor colour");
  }
  const cv::Mat grey = grey_of(page);

  // Find the zone on a reduced copy: fast on a whole platen, and the lines stay long and thin.
  const double f = std::min(1.0, 1200.0 / std::max(grey.cols, grey.rows));
  cv::Mat small;
  cv::resize(grey, small, cv::Size(), f, f, cv::INTER_AREA);
  // The gap between two characters is not known before the zone is found: it depends on the
  // scan's resolution and on how much of the glass the page covers. Too short a reach breaks the
  // zone's lines at their gaps, too long a one joins other print to them; so several are tried,
  // and the zone of the longest lines wins (of the most lines where they are as long).
  cv::Mat small_ink;
  cv::threshold(darkness_of(small, 11), small_ink, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  std::vector<Line> group;
  for (const int reach : {12, 18, 26, 36}) {
    const std::vector<Line> pieces = long_lines(small_ink, reach, 1.5);
    std::vector<Line> lines;
    std::copy_if(pieces.begin(), pieces.end(), std::back_inserter(lines),
                 [](const Line& l) { return l.length() >= 15 * l.height(); });
    std::vector<Line> candidate = zone_lines(lines);
    if (candidate.empty()) continue;
    const double length = candidate.front().length(), best = group.empty() ? 0 : group.front().length();
    if (group.empty() || length > 1.02 * best || (length > 0.98 * best && candidate.size() > group.size())) {
      group = std::move(candidate);
      for (Line& l : group) l = extended(l, pieces);
    }
  }
  if (group.empty()) return fail(kNotFound, "no machine-readable zone found on the page");

  std::vector<cv::Point2f> corners;
  double angle = 0;
  for (const Line& l : group) {
    cv::Point2f p[4];
    l.box.points(p);
    for (const auto& q : p) corners.push_back(q * (1 / f));
    angle += l.box.angle / static_cast<double>(group.size());
  }
  ZoneReading reading;
  reading.skew_deg = -angle;
  if (std::abs(angle) > 10) {
    return fail(kAskew, "the page lies more than 10° askew: straighten it on the glass");
  }
  // The zone's extent along and across its lines, in the zone's own axes.
  const double theta = angle * std::numbers::pi / 180;
  const cv::Point2d along(std::cos(theta), std::sin(theta)), across(-along.y, along.x);
  cv::Point2d centre(0, 0);
  for (const auto& p : corners) centre += cv::Point2d(p) / static_cast<double>(corners.size());
  double a0 = 1e9, a1 = -1e9, c0 = 1e9, c1 = -1e9;
  for (const auto& p : corners) {
    const cv::Point2d d = cv::Point2d(p) - centre;
    a0 = std::min(a0, d.dot(along)), a1 = std::max(a1, d.dot(along));
    c0 = std::min(c0, d.dot(across)), c1 = std::max(c1, d.dot(across));
  }
  const double line_height = group.front().height() / f;
  const double margin = 1.5 * line_height;
  a0 -= margin, a1 += margin, c0 -= margin, c1 += margin;
  const cv::Point2d origin = centre + along * a0 + across * c0;
  const cv::Point2d ends[4] = {origin, origin + along * (a1 - a0), origin + along * (a1 - a0) + across * (c1 - c0),
                               origin + across * (c1 - c0)};
  for (int i = 0; i < 4; ++i) reading.corners[static_cast<std::size_t>(i)] = cv::Point2f(ends[i]);

  // Cut it out straightened, at full resolution: output pixel (u, v) comes from origin + u·along + v·across.
  const cv::Mat map = (cv::Mat_<double>(2, 3) << along.x, across.x, origin.x, along.y, across.y, origin.y);
  cv::Mat zone;
  cv::warpAffine(grey, zone, map, cv::Size(static_cast<int>(a1 - a0), static_cast<int>(c1 - c0)),
                 cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
  cv::Mat dark = darkness_of(zone, static_cast<int>(line_height * 0.8));
  cv::Mat dark_turned;
  cv::rotate(dark, dark_turned, cv::ROTATE_180);

  // Which way up: read a sample of cells both ways round.
  const auto upright = grids_of(dark, group.size());
  const auto turned = grids_of(dark_turned, group.size());
  if (!upright && !turned) {
    // Where the characters could not be placed, a page that bends away from the glass is the
    // likeliest cause, and the one to name when the characters show it.
    const double shrinks = shrinking(dark);
    return fail(shrinks > kBent ? kNotFlat : kUnreadable,
                upright.error() + (shrinks > kBent ? " (the characters shrink by " +
                                                            std::to_string(static_cast<int>(shrinks * 100)) +
                                                            " % along the lines: the page is not flat)"
                                                      : ""));
  }
  // Scans finer than the cells are smoothed first, so that sampling them down does not alias.
  const double reduction = kWindowWidth * (upright ? upright->front().cap : turned->front().cap) / kCellWidth;
  if (reduction > 1.3) {
    cv::GaussianBlur(dark, dark, cv::Size(0, 0), 0.5 * reduction);
    cv::GaussianBlur(dark_turned, dark_turned, cv::Size(0, 0), 0.5 * reduction);
  }
  const ZoneRecogniser forward(templates_, dark), backward(templates_, dark_turned);
  const double forward_score = upright ? mean_score(forward.read(*upright, 4)) : -2;
  const double backward_score = turned ? mean_score(backward.read(*turned, 4)) : -2;
  reading.upside_down = backward_score > forward_score;
  const auto& grids = reading.upside_down ? *turned : *upright;
  const auto cells = (reading.upside_down ? backward : forward).read(grids, 1);
  reading.pitch_px = grids.front().pitch_at((grids.front().cells - 1) / 2.0);
  if (reading.upside_down) {
    std::rotate(reading.corners.begin(), reading.corners.begin() + 2, reading.corners.end());
  }
  // From the grids' bend, and from the characters' heights where the grid could not follow.
  reading.perspective = shrinking(reading.upside_down ? dark_turned : dark);
  for (const Grid& g : grids) {
    reading.perspective = std::max(reading.perspective, std::abs(2 * g.bend * (g.cells - 1)) / g.pitch_at((g.cells - 1) / 2.0));
  }
  for (const auto& line : cells) {
    std::string text, runners_up;
    std::vector<float> scores, margins, contrasts;
    std::vector<double> inks;
    for (const Cell& c : line) inks.push_back(c.ink);
    const double usual = std::max(1.0, median(inks));
    for (const Cell& c : line) {
      text += c.best;
      runners_up += c.runner_up;
      scores.push_back(c.score);
      margins.push_back(c.margin);
      contrasts.push_back(static_cast<float>(c.ink / usual));
    }
    reading.lines.push_back(text);
    reading.runners_up.push_back(runners_up);
    reading.scores.push_back(std::move(scores));
    reading.margins.push_back(std::move(margins));
    reading.contrasts.push_back(std::move(contrasts));
  }
  return reading;
}

std::expected<PageReading, ZoneProblem> read_data_page(const MrzReader& reader, const cv::Mat& page,
                                                       std::chrono::year_month_day today) {
  return check_zone(reader.read(page), today);
}

std::expected<PageReading, ZoneProblem> check_zone(std::expected<ZoneReading, ZoneProblem> zone,
                                                   std::chrono::year_month_day today) {
  if (!zone) {
    zone.error().detail = "the machine-readable zone could not be read: " + zone.error().detail + kRescan;
    return std::unexpected(std::move(zone.error()));
  }
  // What kept a zone that was found from being read, where it is plain to see.
  const auto refused = [&](std::string detail) {
    bool faint = false;
    for (const auto& line : zone->contrasts) {
      for (float c : line) faint = faint || c < kFaint;
    }
    const auto kind = faint                               ? ZoneProblem::Kind::kGlare
                      : zone->perspective > kBent ? ZoneProblem::Kind::kNotFlat
                                                          : ZoneProblem::Kind::kUnreadable;
    if (kind == ZoneProblem::Kind::kNotFlat) {
      detail += " (the characters' size changes by " + std::to_string(static_cast<int>(zone->perspective * 100)) +
                " % along a line: the page is not flat)";
    }
    return std::unexpected(ZoneProblem{kind, std::move(detail)});
  };
  auto fields = parse_mrz(zone->lines, today);
  if (!fields) return refused(fields.error());
  // A check digit catches any one wrong character, except one whose value differs by a multiple
  // of ten (8 and S, 6 and G, 0 and A...), and two wrong ones only nine times in ten. So the
  // recogniser must be sure of every character no check digit covers, of one whose runner-up the
  // check digit cannot tell from it, and of all but one character under each check digit.
  const std::vector<MrzCheckDigit> checks = mrz_check_digits(zone->lines.front().size());
  std::vector<int> unsure(checks.size());
  for (std::size_t line = 0; line < zone->margins.size(); ++line) {
    for (std::size_t i = 0; i < zone->margins[line].size(); ++i) {
      // A faint character (glare over it) is read from less ink: it must stand further ahead of
      // the next best to count as sure (a greyed H read as F was seen at the end of a name).
      // A streak is wider than the faintest character under it, and greys its neighbours in
      // part (the half of a glyph that is left can be another glyph): they count as faint too.
      const auto& contrasts = zone->contrasts[line];
      const float contrast = *std::min_element(contrasts.begin() + static_cast<std::ptrdiff_t>(i > 2 ? i - 2 : 0),
                                               contrasts.begin() + static_cast<std::ptrdiff_t>(std::min(contrasts.size(), i + 3)));
      const float needed = contrast < kFaint ? 2 * kMinMargin : kMinMargin;
      if (zone->margins[line][i] >= needed) continue;
      // The field's own check digit before the composite, which is listed last.
      const auto check = std::find_if(checks.begin(), checks.end(), [&](const MrzCheckDigit& c) {
        return c.covers(static_cast<int>(line), static_cast<int>(i));
      });
      // 7 is prime to 10: two characters weigh the same in any check digit when they do at weight 7.
      const bool blind = mrz_check_digit(std::string_view(&zone->lines[line][i], 1)) ==
                         mrz_check_digit(std::string_view(&zone->runners_up[line][i], 1));
      if (check == checks.end() || blind || ++unsure[static_cast<std::size_t>(check - checks.begin())] > 1) {
        return refused("the machine-readable zone could not be read with certainty (line " +
                       std::to_string(line + 1) + ", character " + std::to_string(i + 1) + ")" + kRescan);
      }
    }
  }
  return PageReading{std::move(*zone), std::move(*fields)};
}

}  // namespace kiosk::document
