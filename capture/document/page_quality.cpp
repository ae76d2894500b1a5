// Page quality: ink, edges, skew and glare measured on a 100 dpi copy; blur on the page itself.
#include "capture/document/page_quality.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>

namespace kiosk::document {
namespace {

constexpr double kWorkDpi = 100;

cv::Mat grey_of(const cv::Mat& page) {
  if (page.channels() == 1) return page;
  cv::Mat grey;
  cv::cvtColor(page, grey, page.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return grey;
}

// The grey level below which `share` of the pixels lie (8-bit).
int percentile(const cv::Mat& grey, double share, const cv::Mat& mask = {}) {
  const int channels[] = {0}, bins[] = {256};
  const float range[] = {0, 256};
  const float* ranges[] = {range};
  cv::Mat hist;
  cv::calcHist(&grey, 1, channels, mask, hist, 1, bins, ranges);
  const double total = cv::sum(hist)[0];
  double seen = 0;
  for (int i = 0; i < 256; ++i) {
    seen += hist.at<float>(i);
    if (seen >= share * total) return i;
  }
  return 255;
}

// The paper around each pixel: ink is thinner than the kernel, so closing paints it over.
cv::Mat background_of(const cv::Mat& small) {
  cv::Mat background;
  cv::morphologyEx(small, background, cv::MORPH_CLOSE,
                   cv::getStructuringElement(cv::MORPH_RECT, cv::Size(15, 15)));
  return background;
}

// Ink: clearly darker than the paper around it, whatever the light across the page.
cv::Mat ink_of(const cv::Mat& small, const cv::Mat& background) {
  cv::Mat depth, ink;
  cv::subtract(background, small, depth);
  cv::Mat threshold;
  background.convertTo(threshold, CV_8U, 0.25);
  cv::max(threshold, 40, threshold);
  cv::compare(depth, threshold, ink, cv::CMP_GT);
  cv::morphologyEx(ink, ink, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2, 2)));
  return ink;
}

// The worst of the four edges: the share of its length where ink reaches the outer band.
double edge_ink_share(const cv::Mat& ink) {
  const int band = std::max(2, static_cast<int>(std::lround(1.5 / 25.4 * kWorkDpi)));
  cv::Mat rows_with_ink, cols_with_ink;
  double worst = 0;
  for (const cv::Mat& strip : {ink.colRange(0, band), ink.colRange(ink.cols - band, ink.cols)}) {
    cv::reduce(strip, rows_with_ink, 1, cv::REDUCE_MAX);
    worst = std::max(worst, cv::countNonZero(rows_with_ink) / static_cast<double>(ink.rows));
  }
  for (const cv::Mat& strip : {ink.rowRange(0, band), ink.rowRange(ink.rows - band, ink.rows)}) {
    cv::reduce(strip, cols_with_ink, 0, cv::REDUCE_MAX);
    worst = std::max(worst, cv::countNonZero(cols_with_ink) / static_cast<double>(ink.cols));
  }
  return worst;
}

// The angle that lines the ink up into the sharpest rows: the projection profile's energy peaks
// when the text lines lie along the axis. Counter-clockwise positive, in degrees.
double skew_of(const cv::Mat& ink) {
  std::vector<cv::Point> points;
  cv::findNonZero(ink, points);
  if (points.size() < 200) return 0;
  const int reach = static_cast<int>(std::hypot(ink.cols, ink.rows)) + 2;
  std::vector<int> profile(static_cast<std::size_t>(2 * reach));
  const auto energy = [&](double deg) {
    const double a = deg * std::numbers::pi / 180, s = std::sin(a), c = std::cos(a);
    std::ranges::fill(profile, 0);
    for (const cv::Point& p : points) {
      ++profile[static_cast<std::size_t>(reach + static_cast<int>(std::lround(p.x * s + p.y * c)))];
    }
    double e = 0;
    for (int v : profile) e += static_cast<double>(v) * v;
    return e;
  };
  const auto best_in = [&](double from, double to, double step) {
    double best = from, best_energy = -1;
    for (double deg = from; deg <= to + 1e-9; deg += step) {
      const double e = energy(deg);
      if (e > best_energy) best = deg, best_energy = e;
    }
    return best;
  };
  const double coarse = best_in(-15, 15, 0.5);
  return best_in(coarse - 0.5, coarse + 0.5, 0.05);
}

// How wide the ramp of a text edge is, in mm: the contrast between paper and ink over the
// steepest gradients at the ink's edges (Sobel's response to a ramp is 8 × its slope per pixel).
// Only pixels beside ink count, so a page that covers a corner of the glass, or a photograph on
// it, does not dilute the figure.
double edge_width_mm(const cv::Mat& grey, double dpi, double contrast, const cv::Mat& ink) {
  cv::Mat page = grey;
  if (dpi > 300) {
    cv::resize(grey, page, cv::Size(), 300 / dpi, 300 / dpi, cv::INTER_AREA);
    dpi = 300;
  }
  cv::Mat near_ink;
  cv::dilate(ink, near_ink, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
  cv::resize(near_ink, near_ink, page.size(), 0, 0, cv::INTER_NEAREST);
  std::vector<float> values;
  values.reserve(static_cast<std::size_t>(cv::countNonZero(near_ink)));
  // The gradient a band of rows at a time, in 16-bit integers (a 3 x 3 Sobel of 8-bit pixels fits):
  // a whole page's float gradients would take 100 MB for a moment. A band's Sobel reads the rows
  // beside it, so the figures are those of the whole page at once.
  constexpr int kBand = 256;
  cv::Mat gx, gy;
  for (int top = 0; top < page.rows; top += kBand) {
    const cv::Range rows(top, std::min(page.rows, top + kBand));
    cv::Sobel(page.rowRange(rows), gx, CV_16S, 1, 0);
    cv::Sobel(page.rowRange(rows), gy, CV_16S, 0, 1);
    for (int y = 0; y < gx.rows; ++y) {
      const std::int16_t* dx = gx.ptr<std::int16_t>(y);
      const std::int16_t* dy = gy.ptr<std::int16_t>(y);
      const std::uint8_t* keep = near_ink.ptr<std::uint8_t>(top + y);
      for (int x = 0; x < page.cols; ++x) {
        if (keep[x]) values.push_back(std::sqrt(static_cast<float>(dx[x] * dx[x] + dy[x] * dy[x])));
      }
    }
  }
  if (values.empty()) return 0;
  // The 95th percentile beside ink: the steep part of the text's edges, not the odd speck.
  const auto at = values.begin() + static_cast<std::ptrdiff_t>(values.size() * 95 / 100);
  std::nth_element(values.begin(), at, values.end());
  const double slope = *at / 8;
  if (slope <= 0) return 0;
  return contrast / slope / dpi * 25.4;
}

}  // namespace

PageQuality assess_page(const cv::Mat& page, double dpi, const PageQualityLimits& limits) {
  PageQuality q;
  const cv::Mat grey = grey_of(page);
  cv::Mat small;
  const double f = std::min(1.0, kWorkDpi / dpi);
  cv::resize(grey, small, cv::Size(), f, f, cv::INTER_AREA);
  const cv::Mat background = background_of(small);
  const cv::Mat ink = ink_of(small, background);
  q.ink_share = cv::countNonZero(ink) / static_cast<double>(ink.total());
  if (q.ink_share < limits.min_ink_share) {
    q.failures.push_back(ScanPrompt::kPageBlank);
    return q;
  }
  q.edge_ink_share = edge_ink_share(ink);
  if (q.edge_ink_share > limits.max_edge_ink_share) q.failures.push_back(ScanPrompt::kPageCutOff);

  q.skew_deg = skew_of(ink);
  if (std::abs(q.skew_deg) > limits.max_skew_deg) q.failures.push_back(ScanPrompt::kStraightenPage);

  const int paper = percentile(background, 0.5);  // the paper's tone
  // Glare: clipped white, clearly brighter than the paper. Paper scanned white itself hides it.
  if (paper <= 244) {
    cv::Mat clipped;
    cv::compare(small, std::max(250, paper + 10), clipped, cv::CMP_GE);
    cv::morphologyEx(clipped, clipped, cv::MORPH_OPEN,
                     cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
    q.glare_share = cv::countNonZero(clipped) / static_cast<double>(clipped.total());
    if (q.glare_share > limits.max_glare_share) q.failures.push_back(ScanPrompt::kPageGlare);
  }

  // Blur, judged where there is text enough and resolution enough (2 px are 0.25 mm at 200 dpi).
  if (q.ink_share >= 0.002 && dpi >= 200) {
    // Paper from the background, ink from the darkest half of the page's ink share, at full size.
    const double contrast = paper - percentile(grey, q.ink_share / 2);
    q.edge_width_mm = edge_width_mm(grey, dpi, contrast, ink);
    if (q.edge_width_mm > limits.max_edge_width_mm) q.failures.push_back(ScanPrompt::kPageBlurred);
  }
  return q;
}

cv::Mat straighten(const cv::Mat& page, double skew_deg) {
  if (std::abs(skew_deg) < 0.1) return page;
  const cv::Mat grey = grey_of(page);
  const int paper = percentile(grey, 0.9);
  const cv::Mat turn = cv::getRotationMatrix2D(cv::Point2f(page.cols / 2.0f, page.rows / 2.0f), -skew_deg, 1.0);
  cv::Mat out;
  cv::warpAffine(page, out, turn, page.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar::all(paper));
  return out;
}

}  // namespace kiosk::document
