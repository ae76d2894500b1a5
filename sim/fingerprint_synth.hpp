// Synthetic fingerprints for the simulated reader and the tests: ridges grown by oriented Gabor
// filtering along an orientation field with cores and deltas (after SFinGe, Cappelli et al.).
#pragma once

#include <cstdint>

#include <opencv2/core.hpp>

namespace kiosk::sim {

// Henry classes; each fixes the cores and deltas of the orientation field.
enum class FingerPattern { kArch, kTentedArch, kLeftLoop, kRightLoop, kWhorl };

struct FingerprintSpec {
  FingerPattern pattern = FingerPattern::kRightLoop;
  int width = 300;                 // 500 ppi: 15 x 20 mm of platen
  int height = 400;
  double ridge_period_px = 9.0;    // about 9 px at 500 ppi
  double pressure = 0.5;           // 0 light touch (thin, faint ridges) .. 1 heavy (thick, wide)
  double dryness = 0.0;            // 0 .. 1: broken, patchy ridges
  std::uint32_t seed = 1;          // the same seed gives the same finger
};

// An 8-bit grey image, dark ridges on a light ground, as an optical or capacitive reader gives.
cv::Mat synthesize_fingerprint(const FingerprintSpec& spec);

// The dominant ridge period (pixels) in a square block centred on (cx, cy), from the peak of the
// block's spectrum. For tests and for the generator's own checks.
double dominant_ridge_period(const cv::Mat& grey, int cx, int cy, int block = 64);

FingerPattern pattern_for_finger(int finger_position, std::uint32_t seed);

}  // namespace kiosk::sim
