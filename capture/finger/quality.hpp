// Fingerprint image quality, 0–100, from the public measures of NIST NFIQ 2 (our own code), and
// the one thing to tell the applicant when an attempt falls short.
//
// What is computed (the image is first brought to 500 ppi; blocks are 32 × 32 px as in NFIQ 2):
// - Foreground: blocks with grey-level spread and a dominant ridge orientation. Their area in
//   mm² and the offset of their centroid from the image centre.
// - Orientation certainty (OCL): per block, 1 − λmin/λmax of the gradient covariance matrix.
// - Ridge profile: per block, the pixels averaged along the ridge direction into a 1-D profile
//   across the ridges; the block threshold is the profile's mean.
// - Local clarity (LCS): 1 − (α + β)/2, α and β the shares of valley pixels darker and of ridge
//   pixels lighter than the threshold, valley and ridge as the profile says.
// - Frequency domain (FDA): the profile's spectrum peak between ridge periods of 3 and 15 px,
//   (A(Fmax) + 0.3·(A(Fmax−1) + A(Fmax+1))) / Σ A(F).
// - Ridge–valley uniformity (RVU): the standard deviation, over the foreground, of the blocks'
//   ridge-to-valley width ratio (its logarithm, the ratio held within 1/4..4).
// - Ridge amplitude: the profile's standard deviation in grey levels (contrast, and blur, which
//   flattens the ridges).
// - Minutiae count: as libfprint's detector (NBIS mindtct) found them, when known.
//
// The score multiplies a weighted mean of the per-block measures by terms for contrast,
// foreground area, centring and minutiae, so that each defect pulls it down on its own. It is not
// NFIQ 2 (whose weights come from a trained random forest) and must not be written where NFIQ 2
// values are expected (NQM); it fits ANSI/NIST-ITL's vendor-defined FQM.
#pragma once

#include <optional>
#include <string_view>

#include <opencv2/core.hpp>

namespace kiosk::finger {

// What to tell the applicant after an attempt below the threshold.
enum class QualityFeedback {
  kGood,          // nothing to say
  kNoFinger,      // the platen is empty
  kPressHarder,   // too light: faint, thin ridges
  kTooDark,       // too dark or wet: ridges run together
  kNotCentred,    // the finger sits off the middle of the platen
  kPartial,       // only part of the finger touched the platen
  kMoveAndRetry,  // smudged, blurred or moved: lift, place again
};

// A stable identifier ("press_harder") for records, message catalogues and JSON.
std::string_view to_string(QualityFeedback feedback);

struct QualityMeasures {
  double foreground_mm2 = 0;
  double centre_offset = 0;           // centroid distance from the centre / half-diagonal, 0..1
  double orientation_certainty = 0;   // OCL, 0..1, mean over foreground blocks
  double local_clarity = 0;           // LCS, 0..1
  double frequency_domain = 0;        // FDA, 0..1
  double ridge_valley_uniformity = 0; // RVU, standard deviation; lower is better
  double ridge_amplitude = 0;         // grey levels
  double foreground_mean_grey = 0;    // 0 black .. 255 white
  std::optional<int> minutiae;
};

struct QualityReport {
  int score = 0;  // 0..100
  QualityMeasures measures;
  QualityFeedback diagnosis = QualityFeedback::kGood;  // the likeliest cause of a low score

  // What to tell the applicant when the score has to reach `threshold`.
  QualityFeedback feedback(int threshold) const {
    return score >= threshold ? QualityFeedback::kGood : diagnosis;
  }
};

// `grey`: 8-bit, one channel, dark ridges on a light ground. `pixels_per_inch` 0 means 500.
QualityReport assess_quality(const cv::Mat& grey, double pixels_per_inch,
                             std::optional<int> minutiae = std::nullopt);

}  // namespace kiosk::finger
