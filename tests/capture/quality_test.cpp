// The quality score falls as a print gets worse, one defect at a time, and names the defect.
#include "capture/finger/quality.hpp"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "sim/fingerprint_synth.hpp"

namespace kiosk::finger {
namespace {

constexpr double kPpi = 500;

cv::Mat good_print(std::uint32_t seed = 7) {
  sim::FingerprintSpec spec;
  spec.seed = seed;
  spec.pattern = sim::pattern_for_finger(2, seed);
  return sim::synthesize_fingerprint(spec);
}

cv::Mat blurred(const cv::Mat& print, double sigma) {
  cv::Mat out;
  cv::GaussianBlur(print, out, cv::Size(0, 0), sigma);
  return out;
}

cv::Mat noisy(const cv::Mat& print, double sigma) {
  cv::Mat noise(print.size(), CV_32F), out;
  cv::RNG rng(11);
  rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
  print.convertTo(out, CV_32F);
  out += noise;
  out.convertTo(out, CV_8U);
  return out;
}

// Contrast reduced towards the light ground, as a finger pressed too lightly.
cv::Mat faint(const cv::Mat& print, double keep) {
  cv::Mat out;
  print.convertTo(out, CV_8U, keep, 255 * (1 - keep));
  return out;
}

// Only part of the finger touched the platen: a patch in the middle, `lost` of the area gone.
cv::Mat partial(const cv::Mat& print, double lost) {
  cv::Mat out(print.size(), print.type(), cv::Scalar(255));
  cv::Mat contact(print.size(), CV_8U, cv::Scalar(0));
  const double keep = std::sqrt(1 - lost);
  cv::ellipse(contact, cv::Point(print.cols / 2, print.rows / 2),
              cv::Size(int(print.cols * 0.5 * keep), int(print.rows * 0.5 * keep)), 0, 0, 360,
              cv::Scalar(255), cv::FILLED);
  print.copyTo(out, contact);
  return out;
}

// The finger moved towards the corner of the platen.
cv::Mat shifted(const cv::Mat& print, int pixels) {
  cv::Mat out(print.size(), print.type(), cv::Scalar(255));
  const cv::Mat moved = (cv::Mat_<double>(2, 3) << 1, 0, pixels, 0, 1, pixels);
  cv::warpAffine(print, out, moved, print.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(255));
  return out;
}

struct Series {
  std::string name;
  std::function<cv::Mat(const cv::Mat&, double)> degrade;
  std::vector<double> steps;  // from mild to severe
  QualityFeedback worst;      // what the applicant is told at the end of the series
  int worst_below;            // the score at the end of the series is below this
};

void PrintTo(const Series& series, std::ostream* out) { *out << series.name; }

class QualityDegradation : public ::testing::TestWithParam<Series> {};

TEST_P(QualityDegradation, ScoreFallsAtEveryStepAndTheWorstIsNamed) {
  const Series& series = GetParam();
  for (std::uint32_t seed : {3u, 7u, 19u}) {
    const cv::Mat print = good_print(seed);
    int previous = assess_quality(print, kPpi).score;
    EXPECT_GE(previous, 40) << "undegraded print, seed " << seed;
    QualityReport last;
    for (double step : series.steps) {
      last = assess_quality(series.degrade(print, step), kPpi);
      EXPECT_LT(last.score, previous) << series.name << " " << step << ", seed " << seed;
      previous = last.score;
    }
    EXPECT_LT(last.score, series.worst_below) << series.name << ", seed " << seed;
    EXPECT_EQ(last.feedback(30), series.worst) << series.name << ", seed " << seed << ": "
                                               << to_string(last.feedback(30));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Defects, QualityDegradation,
    ::testing::Values(
        Series{"blur", blurred, {1.5, 2.5, 3.5, 5.0}, QualityFeedback::kMoveAndRetry, 10},
        Series{"noise", noisy, {25, 50, 80, 120}, QualityFeedback::kMoveAndRetry, 10},
        Series{"contrast", faint, {0.6, 0.35, 0.2, 0.08}, QualityFeedback::kPressHarder, 10},
        Series{"partial", partial, {0.2, 0.4, 0.6, 0.85}, QualityFeedback::kPartial,
               // 70 mm² of ridges is short of a thumb but as much as a little finger gives
               30},
        Series{"off-centre", [](const cv::Mat& p, double s) { return shifted(p, int(s)); },
               {40, 80, 120, 200}, QualityFeedback::kNotCentred, 10}),
    [](const ::testing::TestParamInfo<Series>& param) {
      std::string name = param.param.name;
      std::erase(name, '-');
      return name;
    });

TEST(Quality, BlankPlatenScoresZeroAndSaysNoFinger) {
  cv::Mat blank(400, 300, CV_8U, cv::Scalar(250));
  cv::RNG(5).fill(blank, cv::RNG::NORMAL, 250, 1.5);
  const QualityReport report = assess_quality(blank, kPpi);
  EXPECT_EQ(report.score, 0);
  EXPECT_EQ(report.feedback(10), QualityFeedback::kNoFinger);
}

TEST(Quality, DarkWetPrintIsToldTooDark) {
  cv::Mat dark;
  good_print().convertTo(dark, CV_8U, 0.35, 0);
  const QualityReport report = assess_quality(dark, kPpi);
  EXPECT_LT(report.score, assess_quality(good_print(), kPpi).score);
  EXPECT_EQ(report.diagnosis, QualityFeedback::kTooDark);
}

TEST(Quality, ASmallShiftKeepsTheFingerCentredButALargeOneIsNamed) {
  const cv::Mat print = good_print();
  EXPECT_GE(assess_quality(shifted(print, 10), kPpi).score, 40);
  cv::Mat platen(600, 500, CV_8U, cv::Scalar(255));
  print.copyTo(platen(cv::Rect(200, 200, print.cols, print.rows)));
  EXPECT_EQ(assess_quality(platen, kPpi).diagnosis, QualityFeedback::kNotCentred);
}

TEST(Quality, FewMinutiaeLowerTheScore) {
  const cv::Mat print = good_print();
  EXPECT_LT(assess_quality(print, kPpi, 5).score, assess_quality(print, kPpi, 40).score);
}

TEST(Quality, ResolutionIsTakenIntoAccount) {
  // The same finger scanned at 1000 ppi scores like the 500 ppi image.
  const cv::Mat print = good_print();
  cv::Mat doubled;
  cv::resize(print, doubled, cv::Size(), 2, 2, cv::INTER_CUBIC);
  EXPECT_NEAR(assess_quality(doubled, 1000).score, assess_quality(print, kPpi).score, 8);
}

}  // namespace
}  // namespace kiosk::finger
