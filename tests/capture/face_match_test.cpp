// Face match measured on the faces we have: both public-domain portraits, live before the camera
// in several conditions, against the portraits cut from specimen data pages printed with each of
// them and scanned. Same-person pairs must fall within the configured threshold and
// different-person pairs beyond it.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "capture/document/data_page.hpp"
#include "capture/face/face_match.hpp"
#include "capture/face/photo_rules.hpp"
#include "config/config.hpp"
#include "sim/face_specimen.hpp"
#include "sim/passport_specimen.hpp"

namespace kiosk::face {
namespace {

const std::filesystem::path kSource = KIOSK_SOURCE_DIR;

TEST(FaceMatch, SamePersonPairsFallWithinTheThresholdAndOthersBeyondIt) {
  const auto catalogue = config::load_service_catalogue(kSource / "config/defaults/services.json");
  const config::PhotoSpec& spec = *catalogue.photo_spec("icao-35x45");
  const double threshold = config::FaceSection{}.match_threshold;
  auto detector = FaceDetector::load(config::FaceSection{});
  ASSERT_TRUE(detector) << detector.error();
  auto matcher = FaceMatcher::load(config::FaceSection{});
  ASSERT_TRUE(matcher) << matcher.error();
  const auto reader = document::MrzReader::load();
  ASSERT_TRUE(reader) << reader.error();

  const auto known = sim::known_portraits(kSource / "var/public-data");
  std::vector<cv::Mat> portraits;  // from each person's data page, as the scanner gives it
  std::vector<std::vector<cv::Mat>> live(known.size());
  for (std::size_t i = 0; i < known.size(); ++i) {
    sim::ScanDefects scan;
    scan.rotation_deg = 1.5;
    scan.blur_sigma = 0.6;
    scan.noise_sigma = 3;
    scan.jpeg_quality = 85;
    const sim::Specimen page =
        sim::render_td3_specimen(static_cast<std::uint32_t>(7 + i), sim::passport_portrait(known[i]), scan);
    const auto zone = reader->read(page.page);
    ASSERT_TRUE(zone) << zone.error().detail;
    portraits.push_back(document::cut_portrait(page.page, *zone));
    ASSERT_FALSE(portraits.back().empty());

    const sim::PersonCutout person = sim::cut_out(known[i]);
    std::vector<sim::Scene> scenes(6);
    scenes[1].roll_deg = 5;
    scenes[2].exposure = 0.8;
    scenes[3].face_at.x = 0.45;
    scenes[4].head_height_px = 430;
    scenes[5].light_from_left = 0.2;
    for (const sim::Scene& s : scenes) {
      const cv::Mat frame = sim::render_scene(person, s);
      (*detector)->forget();
      const PhotoAnalysis a = analyse_photo(frame, spec, **detector);
      ASSERT_TRUE(a.passed()) << known[i].name << " " << guidance_id(a.guidance);
      live[i].push_back(cut_photo(frame, a, spec));
    }
  }

  std::vector<double> same, different;
  for (std::size_t i = 0; i < known.size(); ++i) {
    for (std::size_t p = 0; p < portraits.size(); ++p) {
      for (const cv::Mat& photo : live[i]) {
        const FaceMatch m = (*matcher)->match(photo, portraits[p]);
        ASSERT_TRUE(m.compared) << m.not_compared;
        EXPECT_EQ(m.method, "LBPH chi-square on eye-aligned Tan-Triggs crops");
        (i == p ? same : different).push_back(m.distance);
        std::printf("live %-9s vs portrait of %-9s distance %7.1f %s\n", known[i].name.c_str(),
                    known[p].name.c_str(), m.distance, m.matched ? "match" : "interview");
      }
    }
  }
  const double worst_same = *std::ranges::max_element(same);
  const double best_different = *std::ranges::min_element(different);
  std::printf("same person: %zu pairs, at most %.1f; different: %zu pairs, at least %.1f; threshold %.1f\n",
              same.size(), worst_same, different.size(), best_different, threshold);
  EXPECT_LT(worst_same, threshold);
  EXPECT_GT(best_different, threshold);
}

TEST(FaceMatch, FacesThatCannotBeComparedAreSentToInterview) {
  auto detector = FaceDetector::load(config::FaceSection{});
  ASSERT_TRUE(detector) << detector.error();
  const cv::Mat blank(600, 500, CV_8UC3, cv::Scalar(240, 240, 240));
  const FaceMatch m = match_faces(blank, blank, **detector, 100);
  EXPECT_FALSE(m.compared);
  EXPECT_TRUE(m.interview());
  EXPECT_EQ(m.not_compared, "no face with both eyes in the passport's portrait");
}

// An SFace model is used only when configured; one that cannot be loaded is named. (Neither Debian
// nor the npm registry ships an SFace or YuNet model, so the comparison with one is not run here.)
TEST(FaceMatch, ARecognitionModelThatCannotBeLoadedIsNamed) {
  const std::filesystem::path broken = std::filesystem::temp_directory_path() / "kiosk-not-an-sface-model.onnx";
  {
    std::ofstream out(broken);
    out << "not an ONNX model";
  }
  config::FaceSection face;
  face.sface_model = broken;
  const auto matcher = FaceMatcher::load(face);
  std::filesystem::remove(broken);
  ASSERT_FALSE(matcher);
  EXPECT_NE(matcher.error().find("the SFace model " + broken.string() + " cannot be loaded"), std::string::npos)
      << matcher.error();
  face.sface_model = "/nonexistent/sface.onnx";
  const auto missing = FaceMatcher::load(face);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/sface.onnx"), std::string::npos) << missing.error();
}

}  // namespace
}  // namespace kiosk::face
