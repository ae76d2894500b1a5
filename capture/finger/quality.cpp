// Fingerprint image quality from NFIQ 2's public measures; see quality.hpp for what is computed.
#include "capture/finger/quality.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace kiosk::finger {
namespace {

constexpr double kStandardPpi = 500;
constexpr int kBlock = 32;                   // NFIQ 2's local block at 500 ppi
constexpr double kMinBlockSpread = 4.0;      // grey levels: below, the block is empty platen
constexpr double kMinBlockCertainty = 0.25;  // below, no ridge flow: noise or smudge
constexpr double kContactScaleMm2 = 100;  // contact area at which area counts 63 %
constexpr double kAmplitudeScale = 18;   // ridge wave amplitude (grey levels): contrast counts 63 %
constexpr int kMinutiaeEnough = 20;
constexpr double kMinPeriod = 3, kMaxPeriod = 15;  // ridge periods (px at 500 ppi) for FDA

struct Block {
  double certainty = 0;
  double clarity = 0;
  double frequency = 0;
  double amplitude = 0;
  double mean = 0;
  std::optional<double> width_ratio;  // ridge width / valley width
};

// The profile of a block across its ridges, and the measures taken from it.
Block measure_block(const cv::Mat& grey, const cv::Mat& gx, const cv::Mat& gy, int x0, int y0) {
  Block block;
  double gxx = 0, gyy = 0, gxy = 0;
  for (int y = y0; y < y0 + kBlock; ++y) {
    const float* rx = gx.ptr<float>(y);
    const float* ry = gy.ptr<float>(y);
    for (int x = x0; x < x0 + kBlock; ++x) {
      gxx += rx[x] * rx[x];
      gyy += ry[x] * ry[x];
      gxy += rx[x] * ry[x];
    }
  }
  const double root = std::sqrt((gxx - gyy) * (gxx - gyy) + 4 * gxy * gxy);
  const double lmax = (gxx + gyy + root) / 2, lmin = (gxx + gyy - root) / 2;
  block.certainty = lmax > 0 ? 1 - lmin / lmax : 0;

  // Across the ridges is along the dominant gradient.
  const double phi = 0.5 * std::atan2(2 * gxy, gxx - gyy);
  const double c = std::cos(phi), s = std::sin(phi);
  constexpr int kBins = 2 * (kBlock * 3 / 4) + 1;  // ± half the diagonal, rounded up
  constexpr int kCentreBin = kBins / 2;
  std::array<double, kBins> sum{};
  std::array<int, kBins> count{};
  const double cx = x0 + (kBlock - 1) / 2.0, cy = y0 + (kBlock - 1) / 2.0;
  std::array<int, kBlock * kBlock> bin_of{};
  for (int y = 0; y < kBlock; ++y) {
    const std::uint8_t* row = grey.ptr<std::uint8_t>(y0 + y);
    for (int x = 0; x < kBlock; ++x) {
      const double d = (x0 + x - cx) * c + (y0 + y - cy) * s;
      const int bin = kCentreBin + static_cast<int>(std::lround(d));
      bin_of[y * kBlock + x] = bin;
      sum[bin] += row[x0 + x];
      ++count[bin];
    }
  }
  // Bins at the corners hold too few pixels to average; keep the central run.
  int first = 0, last = kBins - 1;
  while (first < kCentreBin && count[first] < kBlock / 4) ++first;
  while (last > kCentreBin && count[last] < kBlock / 4) --last;
  const int length = last - first + 1;
  std::array<double, kBins> profile{};
  double mean = 0;
  for (int i = first; i <= last; ++i) {
    profile[i] = sum[i] / count[i];
    mean += profile[i];
  }
  mean /= length;
  double total = 0;
  for (int i = 0; i < kBins; ++i) total += sum[i];
  block.mean = total / (kBlock * kBlock);

  // Local clarity: pixels whose own grey level disagrees with their place on the profile.
  int valley_pixels = 0, valley_dark = 0, ridge_pixels = 0, ridge_light = 0;
  for (int y = 0; y < kBlock; ++y) {
    const std::uint8_t* row = grey.ptr<std::uint8_t>(y0 + y);
    for (int x = 0; x < kBlock; ++x) {
      const int bin = bin_of[y * kBlock + x];
      if (bin < first || bin > last) continue;
      const bool dark = row[x0 + x] < mean;
      if (profile[bin] < mean) {
        ++ridge_pixels;
        ridge_light += !dark;
      } else {
        ++valley_pixels;
        valley_dark += dark;
      }
    }
  }
  const double alpha = valley_pixels ? double(valley_dark) / valley_pixels : 1;
  const double beta = ridge_pixels ? double(ridge_light) / ridge_pixels : 1;
  block.clarity = std::clamp(1 - (alpha + beta) / 2, 0.0, 1.0);

  // Frequency domain analysis of the profile.
  std::array<double, kBins / 2 + 2> magnitude{};
  const int highest = length / 2;
  double all = 0;
  for (int k = 1; k <= highest; ++k) {
    // One DFT coefficient; the twiddle factor turns by rotation rather than by sin and cos.
    const std::complex<double> step = std::polar(1.0, -2 * std::numbers::pi * k / length);
    std::complex<double> twiddle = 1, sum_k = 0;
    for (int i = 0; i < length; ++i) {
      sum_k += (profile[first + i] - mean) * twiddle;
      twiddle *= step;
    }
    magnitude[k] = std::abs(sum_k);
    all += magnitude[k];
  }
  const int k_low = std::max(1, static_cast<int>(std::ceil(length / kMaxPeriod)));
  const int k_high = std::min(highest, static_cast<int>(std::floor(length / kMinPeriod)));
  int peak = std::min(k_low, k_high);
  for (int k = k_low; k <= k_high; ++k) {
    if (magnitude[k] > magnitude[peak]) peak = k;
  }
  // The amplitude of the ridge wave alone: neither the finger's edge nor uneven light counts.
  block.amplitude = 2 * magnitude[peak] / length;
  if (all > 0) {
    const double side = (peak > 1 ? magnitude[peak - 1] : 0) +
                        (peak < highest ? magnitude[peak + 1] : 0);
    block.frequency = std::clamp((magnitude[peak] + 0.3 * side) / all, 0.0, 1.0);
  }

  // Ridge and valley widths: the runs of the thresholded profile, without the cut ends.
  std::vector<int> runs;
  std::vector<bool> ridge_run;
  for (int i = first; i <= last; ++i) {
    const bool ridge = profile[i] < mean;
    if (runs.empty() || ridge_run.back() != ridge) {
      runs.push_back(0);
      ridge_run.push_back(ridge);
    }
    ++runs.back();
  }
  double ridge_width = 0, valley_width = 0;
  int ridges = 0, valleys = 0;
  for (std::size_t i = 1; i + 1 < runs.size(); ++i) {
    (ridge_run[i] ? ridge_width : valley_width) += runs[i];
    ++(ridge_run[i] ? ridges : valleys);
  }
  if (ridges > 0 && valleys > 0) {
    block.width_ratio = (ridge_width / ridges) / (valley_width / valleys);
  }
  return block;
}

// Each measure mapped onto 0..1 between what pure noise gives and what clear ridges give.
double between(double value, double none, double clear) {
  return std::clamp((value - none) / (clear - none), 0.0, 1.0);
}

struct Terms {
  double ridges = 0;    // orientation certainty × clarity × frequency × uniformity
  double contrast = 0;  // ridge amplitude
  double area = 0;
  double centre = 0;
  double minutiae = 1;
};

QualityFeedback diagnose(const QualityMeasures& m, const Terms& t, bool runs_off) {
  if (m.foreground_mm2 < 15) return QualityFeedback::kNoFinger;
  if (m.foreground_mean_grey < 80) return QualityFeedback::kTooDark;
  if (m.foreground_mean_grey > 200 && t.contrast < 0.7) return QualityFeedback::kPressHarder;
  // Off the middle and running off the platen's edge: move it; cut short inside: press it flat.
  if (t.centre < 0.85 && runs_off) return QualityFeedback::kNotCentred;
  if (t.ridges < 0.4 || t.contrast < 0.5) return QualityFeedback::kMoveAndRetry;
  if (t.area < 0.7) return QualityFeedback::kPartial;
  if (t.centre < 0.85) return QualityFeedback::kNotCentred;
  return QualityFeedback::kMoveAndRetry;
}

}  // namespace

std::string_view to_string(QualityFeedback feedback) {
  switch (feedback) {
    case QualityFeedback::kGood: return "good";
    case QualityFeedback::kNoFinger: return "no_finger";
    case QualityFeedback::kPressHarder: return "press_harder";
    case QualityFeedback::kTooDark: return "too_dark";
    case QualityFeedback::kNotCentred: return "not_centred";
    case QualityFeedback::kPartial: return "partial";
    case QualityFeedback::kMoveAndRetry: return "move_and_retry";
  }
  return "unknown";
}

QualityReport assess_quality(const cv::Mat& input, double pixels_per_inch,
                             std::optional<int> minutiae) {
  CV_Assert(input.type() == CV_8UC1);
  QualityReport report;
  report.measures.minutiae = minutiae;
  report.diagnosis = QualityFeedback::kNoFinger;
  const double ppi = pixels_per_inch > 0 ? pixels_per_inch : kStandardPpi;
  cv::Mat grey = input;
  if (std::abs(ppi - kStandardPpi) > 1) {
    const double f = kStandardPpi / ppi;
    cv::resize(input, grey, cv::Size(), f, f, f < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  const int columns = grey.cols / kBlock, rows = grey.rows / kBlock;
  if (columns == 0 || rows == 0) return report;

  cv::Mat gx, gy;
  cv::Sobel(grey, gx, CV_32F, 1, 0, 3);
  cv::Sobel(grey, gy, CV_32F, 0, 1, 3);

  // The blocks tile the image centred, so a print's position does not depend on the remainder.
  const int left = (grey.cols - columns * kBlock) / 2, top = (grey.rows - rows * kBlock) / 2;
  std::vector<Block> foreground;
  double sum_x = 0, sum_y = 0;
  std::array<int, 4> on_edge{};  // foreground blocks in the top and bottom rows, left and right
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      const int x0 = left + c * kBlock, y0 = top + r * kBlock;
      cv::Scalar mean, spread;
      cv::meanStdDev(grey(cv::Rect(x0, y0, kBlock, kBlock)), mean, spread);
      if (spread[0] < kMinBlockSpread) continue;
      Block block = measure_block(grey, gx, gy, x0, y0);
      if (block.certainty < kMinBlockCertainty) continue;
      foreground.push_back(block);
      on_edge[0] += r == 0;
      on_edge[1] += r == rows - 1;
      on_edge[2] += c == 0;
      on_edge[3] += c == columns - 1;
      sum_x += x0 + kBlock / 2.0;
      sum_y += y0 + kBlock / 2.0;
    }
  }
  QualityMeasures& m = report.measures;
  const double mm_per_px = 25.4 / kStandardPpi;
  m.foreground_mm2 = foreground.size() * kBlock * kBlock * mm_per_px * mm_per_px;
  if (foreground.empty()) return report;

  const double n = static_cast<double>(foreground.size());
  const double dx = sum_x / n - grey.cols / 2.0, dy = sum_y / n - grey.rows / 2.0;
  m.centre_offset = std::hypot(dx, dy) / std::hypot(grey.cols / 2.0, grey.rows / 2.0);
  std::vector<double> ratios;
  for (const Block& b : foreground) {
    m.orientation_certainty += b.certainty / n;
    m.local_clarity += b.clarity / n;
    m.frequency_domain += b.frequency / n;
    m.ridge_amplitude += b.amplitude / n;
    m.foreground_mean_grey += b.mean / n;
    if (b.width_ratio) ratios.push_back(std::log(std::clamp(*b.width_ratio, 0.25, 4.0)));
  }
  if (ratios.size() >= 2) {
    double mean = 0, variance = 0;
    for (double r : ratios) mean += r / ratios.size();
    for (double r : ratios) variance += (r - mean) * (r - mean) / (ratios.size() - 1);
    m.ridge_valley_uniformity = std::sqrt(variance);
  } else {
    m.ridge_valley_uniformity = 1;
  }

  Terms t;
  t.ridges = between(m.orientation_certainty, 0.15, 0.9) * between(m.local_clarity, 0.5, 0.85) *
             std::sqrt(between(m.frequency_domain, 0.1, 0.45)) *
             std::exp(-m.ridge_valley_uniformity / 4);
  t.contrast = 1 - std::exp(-std::pow(m.ridge_amplitude / kAmplitudeScale, 2));
  t.area = 1 - std::exp(-m.foreground_mm2 / kContactScaleMm2);
  t.centre = std::clamp(1 - 2 * std::max(0.0, m.centre_offset - 0.05), 0.0, 1.0);
  if (minutiae) t.minutiae = std::min(1.0, static_cast<double>(*minutiae) / kMinutiaeEnough);
  const double score = 100 * t.ridges * t.contrast * t.area * t.centre * t.minutiae;
  report.score = static_cast<int>(std::lround(std::clamp(score, 0.0, 100.0)));
  // Does the print run off the platen on the side it is pushed towards?
  const bool vertical = std::abs(dy) / grey.rows > std::abs(dx) / grey.cols;
  const int side = vertical ? (dy < 0 ? 0 : 1) : (dx < 0 ? 2 : 3);
  const bool runs_off = on_edge[side] >= (vertical ? columns : rows) / 2.0;
  report.diagnosis = diagnose(m, t, runs_off);
  return report;
}

}  // namespace kiosk::finger
