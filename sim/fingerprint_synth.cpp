// Fingerprint synthesis: orientation field (Sherlock-Monro zero-pole model), ridge growth by
// iterated oriented Gabor filtering of noise, then finger shape, pressure, dryness and noise.
#include "sim/fingerprint_synth.hpp"

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace kiosk::sim {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr int kOrientationBins = 16;

struct Singularities {
  std::vector<cv::Point2d> cores;
  std::vector<cv::Point2d> deltas;
};

// Positions as fractions of the image, jittered by the seed so that fingers differ.
Singularities singularities_for(FingerPattern pattern, int w, int h, std::mt19937& rng) {
  std::uniform_real_distribution<double> jitter(-0.07, 0.07);
  auto at = [&](double fx, double fy) {
    return cv::Point2d((fx + jitter(rng)) * w, (fy + jitter(rng)) * h);
  };
  switch (pattern) {
    case FingerPattern::kArch: return {};
    case FingerPattern::kTentedArch: return {{at(0.50, 0.45)}, {at(0.50, 0.72)}};
    case FingerPattern::kLeftLoop: return {{at(0.55, 0.42)}, {at(0.28, 0.75)}};
    case FingerPattern::kRightLoop: return {{at(0.45, 0.42)}, {at(0.72, 0.75)}};
    case FingerPattern::kWhorl:
      return {{at(0.45, 0.40), at(0.55, 0.52)}, {at(0.20, 0.78), at(0.80, 0.78)}};
  }
  return {};
}

// Ridge direction at every pixel, in [0, pi).
cv::Mat orientation_field(const FingerprintSpec& spec, std::mt19937& rng) {
  const int w = spec.width, h = spec.height;
  const Singularities s = singularities_for(spec.pattern, w, h, rng);
  std::uniform_real_distribution<double> bend(0.6, 1.2);
  const double arch_bend = bend(rng);
  // A finger is never laid down at quite the same angle (the global term of Sherlock and Monro).
  std::uniform_real_distribution<double> tilt(-0.2, 0.2);
  const double rotation = tilt(rng);
  cv::Mat theta(h, w, CV_64F);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double t = 0;
      if (s.cores.empty()) {
        // Plain arch: horizontal ridges that rise towards the middle, flatter lower down.
        const double u = (x - 0.5 * w) / (0.35 * w);
        const double v = 1.0 - static_cast<double>(y) / h;
        t = std::atan(-arch_bend * v * 2.0 * u * std::exp(-u * u));
      } else {
        const std::complex<double> z(x, y);
        // Index +1/2 around a core, -1/2 around a delta (y grows downwards in an image).
        for (const auto& c : s.cores) t += std::arg(z - std::complex<double>(c.x, c.y));
        for (const auto& d : s.deltas) t -= std::arg(z - std::complex<double>(d.x, d.y));
        t *= 0.5;
      }
      t = std::fmod(t + rotation, kPi);
      if (t < 0) t += kPi;
      theta.at<double>(y, x) = t;
    }
  }
  return theta;
}

// A bank of even-symmetric Gabor filters tuned to ridges running at each bin's angle.
std::vector<cv::Mat> gabor_bank(double period) {
  std::vector<cv::Mat> bank;
  const double sigma = 0.5 * period;
  const int half = static_cast<int>(std::ceil(2.5 * sigma));
  for (int b = 0; b < kOrientationBins; ++b) {
    const double ridge = kPi * b / kOrientationBins;
    // getGaborKernel's theta is the normal to the stripes.
    cv::Mat k = cv::getGaborKernel(cv::Size(2 * half + 1, 2 * half + 1), sigma, ridge + kPi / 2,
                                   period, /*gamma=*/1.0, /*psi=*/0, CV_32F);
    k -= cv::mean(k)[0];  // no DC: the filter keeps ridges, not brightness
    bank.push_back(k);
  }
  return bank;
}

// An elliptical finger contact with a soft edge; heavier pressure gives a larger contact.
cv::Mat contact_mask(int w, int h, double pressure, std::mt19937& rng) {
  std::uniform_real_distribution<double> jitter(-0.03, 0.03);
  cv::Mat mask(h, w, CV_32F, cv::Scalar(0));
  const double scale = 0.80 + 0.15 * pressure;
  const cv::Point centre(static_cast<int>((0.5 + jitter(rng)) * w),
                         static_cast<int>((0.55 + jitter(rng)) * h));
  const cv::Size axes(static_cast<int>(0.5 * w * scale), static_cast<int>(0.55 * h * scale));
  cv::ellipse(mask, centre, axes, 0, 0, 360, cv::Scalar(1), cv::FILLED, cv::LINE_AA);
  cv::GaussianBlur(mask, mask, cv::Size(0, 0), 6);
  return mask;
}

}  // namespace

cv::Mat synthesize_fingerprint(const FingerprintSpec& spec) {
  std::mt19937 rng(spec.seed);
  cv::RNG noise_rng(spec.seed);  // never cv::randn/randu: they draw from OpenCV's global state
  const int w = spec.width, h = spec.height;
  const cv::Mat theta = orientation_field(spec, rng);

  // Orientation bin of every pixel.
  cv::Mat bin(h, w, CV_8U);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double t = theta.at<double>(y, x);
      bin.at<std::uint8_t>(y, x) =
          static_cast<std::uint8_t>(static_cast<int>(std::lround(t / kPi * kOrientationBins)) %
                                    kOrientationBins);
    }
  }

  // Grow ridges from sparse random seeds: each pass keeps, at every pixel, the response of the
  // filter tuned to that pixel's orientation, then squashes the result to keep it bounded.
  cv::Mat ridges(h, w, CV_32F);
  noise_rng.fill(ridges, cv::RNG::NORMAL, 0, 1);
  cv::Mat sparse;
  cv::threshold(cv::abs(ridges), sparse, 2.5, 1.0, cv::THRESH_BINARY);
  ridges = ridges.mul(sparse);
  const auto bank = gabor_bank(spec.ridge_period_px);
  std::vector<cv::Mat> bin_masks(kOrientationBins);
  for (int b = 0; b < kOrientationBins; ++b) bin_masks[b] = (bin == b);
  cv::Mat response, next;
  for (int pass = 0; pass < 8; ++pass) {
    next = cv::Mat::zeros(h, w, CV_32F);
    for (int b = 0; b < kOrientationBins; ++b) {
      cv::filter2D(ridges, response, CV_32F, bank[b], cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
      response.copyTo(next, bin_masks[b]);
    }
    double max_abs = 0;
    cv::minMaxLoc(cv::abs(next), nullptr, &max_abs);
    ridges = next / std::max(max_abs, 1e-6) * 4.0;
    cv::Mat squashed(h, w, CV_32F);
    for (int y = 0; y < h; ++y) {
      const float* in = ridges.ptr<float>(y);
      float* out = squashed.ptr<float>(y);
      for (int x = 0; x < w; ++x) out[x] = std::tanh(in[x]);
    }
    ridges = squashed;
  }

  // ridges is now in (-1, 1), about +1 on a ridge. Pressure shifts the threshold: a heavy touch
  // gives thicker ridges and more ink, a light one thin, faint ridges.
  const float bias = static_cast<float>(0.5 * (spec.pressure - 0.5));
  const float contrast = static_cast<float>(0.55 + 0.45 * spec.pressure);
  cv::Mat ink(h, w, CV_32F);
  for (int y = 0; y < h; ++y) {
    const float* r = ridges.ptr<float>(y);
    float* out = ink.ptr<float>(y);
    for (int x = 0; x < w; ++x) {
      out[x] = contrast / (1.0f + std::exp(-6.0f * (r[x] + bias)));
    }
  }

  // Dryness: blotches of the finger that do not touch, as broken ridges.
  if (spec.dryness > 0) {
    cv::Mat blotch(h / 4 + 1, w / 4 + 1, CV_32F);
    noise_rng.fill(blotch, cv::RNG::UNIFORM, 0, 1);
    cv::resize(blotch, blotch, cv::Size(w, h), 0, 0, cv::INTER_CUBIC);
    cv::GaussianBlur(blotch, blotch, cv::Size(0, 0), 2);
    cv::Mat keep;
    cv::threshold(blotch, keep, spec.dryness * 0.7, 1.0, cv::THRESH_BINARY);
    cv::GaussianBlur(keep, keep, cv::Size(0, 0), 1.2);
    ink = ink.mul(keep);
  }

  ink = ink.mul(contact_mask(w, h, spec.pressure, rng));

  // Sensor: a light ground, slight blur and noise.
  cv::Mat grey = 235.0 - ink * 200.0;
  cv::GaussianBlur(grey, grey, cv::Size(0, 0), 0.7);
  cv::Mat noise(h, w, CV_32F);
  noise_rng.fill(noise, cv::RNG::NORMAL, 0, 4);
  grey += noise;
  cv::Mat out;
  grey.convertTo(out, CV_8U);
  return out;
}

double dominant_ridge_period(const cv::Mat& grey, int cx, int cy, int block) {
  const cv::Rect area(cx - block / 2, cy - block / 2, block, block);
  cv::Mat patch;
  grey(area & cv::Rect(0, 0, grey.cols, grey.rows)).convertTo(patch, CV_32F);
  if (patch.rows != block || patch.cols != block) return 0;
  patch -= cv::mean(patch)[0];
  cv::Mat window;
  cv::createHanningWindow(window, patch.size(), CV_32F);
  patch = patch.mul(window);
  cv::Mat spectrum;
  cv::dft(patch, spectrum, cv::DFT_COMPLEX_OUTPUT);
  double best = 0, best_radius = 0;
  for (int v = 0; v < block; ++v) {
    for (int u = 0; u < block; ++u) {
      const int fu = u <= block / 2 ? u : u - block;
      const int fv = v <= block / 2 ? v : v - block;
      const double radius = std::hypot(fu, fv);
      if (radius < 2) continue;  // skip the DC and the finger's outline
      const auto c = spectrum.at<cv::Vec2f>(v, u);
      const double power = c[0] * c[0] + c[1] * c[1];
      if (power > best) {
        best = power;
        best_radius = radius;
      }
    }
  }
  return best_radius > 0 ? block / best_radius : 0;
}

FingerPattern pattern_for_finger(int finger_position, std::uint32_t seed) {
  // Loops are the commonest class (about 65 %), whorls next (30 %), arches rare.
  static constexpr FingerPattern kByDraw[] = {
      FingerPattern::kRightLoop, FingerPattern::kLeftLoop, FingerPattern::kWhorl,
      FingerPattern::kRightLoop, FingerPattern::kWhorl,    FingerPattern::kLeftLoop,
      FingerPattern::kArch,      FingerPattern::kRightLoop, FingerPattern::kTentedArch,
      FingerPattern::kWhorl};
  std::mt19937 rng(seed * 31u + static_cast<std::uint32_t>(finger_position));
  return kByDraw[rng() % std::size(kByDraw)];
}

}  // namespace kiosk::sim
