// The fingerprint generator: realistic ridge period, determinism, and pressure and dryness that
// change the print the way they change a real one.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "sim/fingerprint_synth.hpp"

namespace kiosk::sim {
namespace {

// Share of dark (ridge) pixels inside the central contact area.
double ink_share(const cv::Mat& print) {
  const cv::Rect centre(print.cols / 4, print.rows / 4, print.cols / 2, print.rows / 2);
  cv::Mat dark;
  cv::threshold(print(centre), dark, 128, 1, cv::THRESH_BINARY_INV);
  return cv::mean(dark)[0];
}

class PatternTest : public ::testing::TestWithParam<FingerPattern> {};

TEST_P(PatternTest, RidgePeriodIsAbout9PixelsAt500Ppi) {
  FingerprintSpec spec;
  spec.pattern = GetParam();
  spec.seed = 3;
  const cv::Mat print = synthesize_fingerprint(spec);
  ASSERT_EQ(print.type(), CV_8UC1);
  // Several blocks away from the singular points, where ridges run straight.
  for (const cv::Point at : {cv::Point(100, 150), cv::Point(200, 150), cv::Point(150, 300)}) {
    const double period = dominant_ridge_period(print, at.x, at.y, 128);
    EXPECT_GE(period, 7.5) << "at " << at;
    EXPECT_LE(period, 11.0) << "at " << at;
  }
}

TEST_P(PatternTest, PrintIsDarkRidgesOnALightGround) {
  FingerprintSpec spec;
  spec.pattern = GetParam();
  const cv::Mat print = synthesize_fingerprint(spec);
  EXPECT_GT(print.at<std::uint8_t>(2, 2), 200) << "corner outside the finger is light";
  const double share = ink_share(print);
  EXPECT_GT(share, 0.3);
  EXPECT_LT(share, 0.7);
}

INSTANTIATE_TEST_SUITE_P(EveryHenryClass, PatternTest,
                         ::testing::Values(FingerPattern::kArch, FingerPattern::kTentedArch,
                                           FingerPattern::kLeftLoop, FingerPattern::kRightLoop,
                                           FingerPattern::kWhorl));

TEST(FingerprintSynth, SameSeedSameFingerOtherSeedOtherFinger) {
  FingerprintSpec spec;
  spec.seed = 11;
  const cv::Mat a = synthesize_fingerprint(spec);
  const cv::Mat b = synthesize_fingerprint(spec);
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0);
  spec.seed = 12;
  const cv::Mat c = synthesize_fingerprint(spec);
  EXPECT_GT(cv::norm(a, c, cv::NORM_L1) / a.total(), 20) << "a different finger looks different";
}

TEST(FingerprintSynth, HeavierPressureLeavesMoreInk) {
  FingerprintSpec spec;
  spec.pressure = 0.1;
  const double light = ink_share(synthesize_fingerprint(spec));
  spec.pressure = 0.9;
  const double heavy = ink_share(synthesize_fingerprint(spec));
  EXPECT_GT(heavy, light + 0.1);
}

TEST(FingerprintSynth, DryFingerBreaksRidges) {
  FingerprintSpec spec;
  const double normal = ink_share(synthesize_fingerprint(spec));
  spec.dryness = 0.7;
  const double dry = ink_share(synthesize_fingerprint(spec));
  EXPECT_LT(dry, normal * 0.8);
}

}  // namespace
}  // namespace kiosk::sim
