// Calibration from technician mode: a card with a colour cast gives gains that make it neutral at
// its level, and the camera's frames are corrected with them; a blank sheet under an uneven lamp
// gives a flat field that evens out later scans, wherever on the glass they lie; a platen with a
// print left on it fails its check; a card that does not fill the picture, a sheet with writing,
// no light are refused; what was saved comes back after a restart.
#include <chrono>
#include <cmath>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "drivers/correction.hpp"
#include "kiosk/technician/calibration.hpp"
#include "sim/fingerprint_synth.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::app {
namespace {

// A frame (RGB) of a neutral card of `level` lit with the cast (r, g, b), filling all but a
// `border` of the picture, with sensor noise.
cv::Mat card_frame(double level, cv::Scalar cast, int border = 0, std::uint32_t seed = 1) {
  cv::Mat f(720, 1280, CV_8UC3, cv::Scalar(20, 25, 30));
  f(cv::Rect(border, border, f.cols - 2 * border, f.rows - 2 * border)) =
      cv::Scalar(level * cast[0], level * cast[1], level * cast[2]);
  cv::Mat noise(f.size(), CV_16SC3);
  cv::theRNG().state = seed;
  cv::randn(noise, 0, 2);
  cv::Mat out;
  cv::add(f, noise, out, cv::noArray(), CV_8UC3);
  return out;
}

drivers::Image image_of(const cv::Mat& m, double ppi = 0) {
  drivers::Image i;
  i.width = m.cols;
  i.height = m.rows;
  i.channels = m.channels();
  i.pixels_per_inch = ppi;
  i.pixels.assign(m.data, m.data + m.total() * m.elemSize());
  return i;
}

cv::Mat mat_of(drivers::Image& i) {
  return cv::Mat(i.height, i.width, i.channels == 3 ? CV_8UC3 : CV_8UC1, i.pixels.data());
}

// A blank white sheet over the whole 216 mm glass at `ppi`: the lamp gives 88 % at the edges.
cv::Mat blank_sheet(double ppi, double white = 235) {
  const int w = static_cast<int>(std::lround(216 / 25.4 * ppi)), h = 300;
  cv::Mat s(h, w, CV_8UC3);
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 1.5);
  for (int x = 0; x < w; ++x) {
    const double lamp = 0.88 + 0.12 * std::sin(M_PI * (x + 0.5) / w);
    for (int y = 0; y < h; ++y) {
      const auto v = cv::saturate_cast<std::uint8_t>(white * lamp + noise(rng));
      s.at<cv::Vec3b>(y, x) = {v, v, v};
    }
  }
  return s;
}

TEST(CameraCalibration, AWarmCastAndLowExposureAreCorrectedToANeutralWhiteCard) {
  const std::vector<cv::Mat> frames = {card_frame(180, {1.15, 1.0, 0.85}, 0, 1), card_frame(180, {1.15, 1.0, 0.85}, 0, 2)};
  auto c = calibrate_camera(frames, Card::kWhite, {});
  ASSERT_TRUE(c) << c.error().message_id;
  EXPECT_NEAR(c->before.red_to_green, 1.15, 0.01);
  EXPECT_NEAR(c->before.blue_to_green, 0.85, 0.01);
  EXPECT_NEAR(c->after.luminance, 230, 2);
  EXPECT_NEAR(c->after.red_to_green, 1.0, 0.01);
  EXPECT_NEAR(c->after.blue_to_green, 1.0, 0.01);

  // The driver's correction on a later frame gives what the calibration promised.
  drivers::Image later = image_of(card_frame(180, {1.15, 1.0, 0.85}, 0, 3));
  drivers::apply(c->gains, later);
  const CardReading r = read_card(mat_of(later));
  EXPECT_NEAR(r.luminance, 230, 3);
  EXPECT_NEAR(r.red_to_green, 1.0, 0.02);
  EXPECT_NEAR(r.blue_to_green, 1.0, 0.02);

  // Calibrating again through the corrected camera changes little: the gains compose.
  drivers::Image again = image_of(card_frame(180, {1.15, 1.0, 0.85}, 0, 4));
  drivers::apply(c->gains, again);
  auto c2 = calibrate_camera({mat_of(again).clone()}, Card::kWhite, c->gains);
  ASSERT_TRUE(c2);
  EXPECT_NEAR(c2->gains.red, c->gains.red, 0.03);
  EXPECT_NEAR(c2->gains.blue, c->gains.blue, 0.03);
}

TEST(CameraCalibration, AGreyCardIsBroughtToEighteenPercentGrey) {
  auto c = calibrate_camera({card_frame(90, {0.95, 1.0, 1.1})}, Card::kGrey, {});
  ASSERT_TRUE(c);
  EXPECT_NEAR(c->after.luminance, 118, 2);
  EXPECT_NEAR(c->after.blue_to_green, 1.0, 0.01);
}

TEST(CameraCalibration, RefusesWhatItCannotTrust) {
  EXPECT_EQ(calibrate_camera({card_frame(200, {1, 1, 1}, 300)}, Card::kWhite, {}).error().message_id,
            "calibration.card_not_filling");
  EXPECT_EQ(calibrate_camera({card_frame(12, {1, 1, 1})}, Card::kWhite, {}).error().message_id, "calibration.too_dark");
  EXPECT_EQ(calibrate_camera({card_frame(262, {1, 1, 1})}, Card::kWhite, {}).error().message_id, "calibration.too_bright");
  EXPECT_EQ(calibrate_camera({card_frame(200, {1.0, 0.2, 1.0})}, Card::kWhite, {}).error().message_id,
            "calibration.out_of_range");
  EXPECT_EQ(calibrate_camera({}, Card::kWhite, {}).error().message_id, "calibration.no_picture");
}

TEST(CameraCalibration, TheCardHeldMustBeTheCardChosen) {
  // A white card (as the simulation's, 222) with "grey" pressed: it would have been darkened to
  // grey (gains 0.52), and every applicant's white background failed after.
  const auto white_as_grey = calibrate_camera({card_frame(222, {0.97, 1.0, 1.03})}, Card::kGrey, {});
  ASSERT_FALSE(white_as_grey);
  EXPECT_EQ(white_as_grey.error().message_id, "calibration.card_looks_white");
  EXPECT_NE(white_as_grey.error().detail.find("luminance 220.7"), std::string::npos) << white_as_grey.error().detail;
  // A grey card with "white" pressed.
  EXPECT_EQ(calibrate_camera({card_frame(115, {1, 1, 1})}, Card::kWhite, {}).error().message_id,
            "calibration.card_looks_grey");
  // Either card a little off its level is still taken for what it is.
  EXPECT_TRUE(calibrate_camera({card_frame(190, {1, 1, 1})}, Card::kWhite, {}));
  EXPECT_TRUE(calibrate_camera({card_frame(140, {1, 1, 1})}, Card::kGrey, {}));
}

TEST(ScannerCalibration, AFlatFieldFromABlankSheetEvensOutLaterScansAnywhereOnTheGlass) {
  const drivers::Image blank = image_of(blank_sheet(100), 100);
  auto c = calibrate_scanner(blank, 0);
  ASSERT_TRUE(c) << c.error().message_id << " " << c.error().detail;
  EXPECT_NEAR(c->unevenness_before, 12, 1.5);
  EXPECT_LT(c->unevenness_after, 1.5);
  EXPECT_NEAR(c->white_level, 235, 2);

  // A later page 150 mm wide, 40 mm from the left edge, at 200 dpi: the driver's correction.
  const cv::Mat sheet = blank_sheet(200);
  const int left = static_cast<int>(std::lround(40 / 25.4 * 200)), width = static_cast<int>(std::lround(150 / 25.4 * 200));
  drivers::Image part = image_of(sheet(cv::Rect(left, 0, width, sheet.rows)).clone(), 200);
  const double before = unevenness(part);
  drivers::apply(c->field, left * 25.4 / 200, part);  // about 40 mm
  EXPECT_GT(before, 4);
  EXPECT_LT(unevenness(part), 1.5) << "was " << before;

  // A 1-bit page has nothing to correct; a grey one is corrected as a colour one.
  drivers::Image grey = image_of([&] {
    cv::Mat g;
    cv::cvtColor(blank_sheet(100), g, cv::COLOR_RGB2GRAY);
    return g;
  }(), 100);
  drivers::apply(c->field, 0, grey);
  EXPECT_LT(unevenness(grey), 1.5);
}

TEST(ScannerCalibration, RefusesASheetWithWritingOrNoSheet) {
  cv::Mat written = blank_sheet(100);
  for (int y = 40; y < 260; y += 20) cv::putText(written, "Lorem ipsum dolor sit amet", {60, y}, cv::FONT_HERSHEY_SIMPLEX, 0.6, {20, 20, 20}, 1);
  EXPECT_EQ(calibrate_scanner(image_of(written, 100), 0).error().message_id, "calibration.sheet_not_blank");
  EXPECT_EQ(calibrate_scanner(image_of(blank_sheet(100, 60), 100), 0).error().message_id, "calibration.no_sheet");
  cv::Mat failing = blank_sheet(100);
  failing.colRange(0, 60) *= 0.5;
  EXPECT_EQ(calibrate_scanner(image_of(failing, 100), 0).error().message_id, "calibration.lamp_uneven");
  EXPECT_EQ(calibrate_scanner(image_of(blank_sheet(100), 0), 0).error().message_id, "calibration.no_picture");
}

TEST(PlatenCheck, NothingOrABlankImageIsCleanALatentPrintIsNot) {
  EXPECT_TRUE(check_platen(nullptr, 500, 0).clean);
  cv::Mat blank(400, 300, CV_8UC1, cv::Scalar(228));
  cv::Mat noise(blank.size(), CV_8UC1);
  cv::randn(noise, 0, 3);
  blank += noise;
  const drivers::Image empty = image_of(blank, 500);
  const PlatenCheck e = check_platen(&empty, 500, 0);
  EXPECT_TRUE(e.clean) << e.foreground_mm2;
  EXPECT_TRUE(e.image_seen);

  sim::FingerprintSpec spec;
  const cv::Mat print = sim::synthesize_fingerprint(spec);
  cv::Mat latent;
  print.convertTo(latent, CV_8U, 0.3, 228 * 0.7);  // a faint print left on the glass
  const drivers::Image left_behind = image_of(latent, 500);
  const PlatenCheck l = check_platen(&left_behind, 500, 0);
  EXPECT_FALSE(l.clean) << l.foreground_mm2;
  EXPECT_FALSE(check_platen(&empty, 500, 12).clean) << "minutiae found on the platen";
}

TEST(CalibrationStore, WhatIsSavedComesBackAfterARestart) {
  testing::ScratchDir dir;
  const auto file = dir / "calibration.json";
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  {
    CalibrationStore fresh(file);
    EXPECT_TRUE(fresh.camera_gains().neutral());
    EXPECT_TRUE(fresh.flat_field().empty());
    EXPECT_FALSE(fresh.platen_dirty());
    auto cam = calibrate_camera({card_frame(180, {1.15, 1.0, 0.85})}, Card::kWhite, {});
    auto scan = calibrate_scanner(image_of(blank_sheet(100), 100), 0);
    ASSERT_TRUE(cam && scan);
    ASSERT_TRUE(fresh.save(*cam, at));
    ASSERT_TRUE(fresh.save(*scan, at));
    PlatenCheck dirty;
    dirty.clean = false;
    dirty.image_seen = true;
    ASSERT_TRUE(fresh.save(dirty, at));
  }
  CalibrationStore restarted(file);
  EXPECT_NEAR(restarted.camera_gains().red, 230.0 / (180 * 1.15), 0.02);
  EXPECT_NEAR(restarted.camera_gains().blue, 230.0 / (180 * 0.85), 0.03);
  EXPECT_EQ(restarted.flat_field().gain.size(), 216u);
  EXPECT_TRUE(restarted.platen_dirty());
  const auto shown = restarted.shown();
  EXPECT_EQ(shown["camera"]["measured_at"], "2027-01-15T08:00:00Z");
  EXPECT_FALSE(shown["scanner"].contains("gain")) << "the gain table is not for the screen";
  EXPECT_GT(shown["scanner"]["unevenness_before_pct"].get<double>(), 10);

  std::ofstream(file) << "{ not json";
  CalibrationStore corrupt(file);
  EXPECT_TRUE(corrupt.camera_gains().neutral()) << "an unreadable file leaves the devices uncalibrated";
  EXPECT_TRUE(corrupt.flat_field().empty());
}

}  // namespace
}  // namespace kiosk::app
