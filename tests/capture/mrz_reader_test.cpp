// Reading the zone off scanned specimen pages: straight, with the defects of a real scan, anywhere
// on a whole platen, and never a wrong field accepted, even off pages too damaged to read.
#include "capture/document/mrz_reader.hpp"

#include <random>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "capture/document/mrz.hpp"
#include "sim/passport_specimen.hpp"
#include "tests/support/mrz_reader.hpp"

namespace kiosk::document {
namespace {

using namespace std::chrono;
const year_month_day kToday = year(2026) / 11 / 21;

const MrzReader& reader() { return testing::mrz_reader(); }

// Every field the zone holds, as one line, for comparing a reading with the truth.
std::string all_fields(const MrzFields& f) {
  return f.document_code + "|" + f.issuing_state + "|" + f.surname + "|" + f.given_names + "|" +
         f.document_number + "|" + f.nationality + "|" + std::to_string(static_cast<int>(f.date_of_birth.year())) +
         "-" + std::to_string(static_cast<unsigned>(f.date_of_birth.month())) + "-" +
         std::to_string(static_cast<unsigned>(f.date_of_birth.day())) + "|" + f.sex + "|" +
         std::to_string(static_cast<int>(f.date_of_expiry.year())) + "-" +
         std::to_string(static_cast<unsigned>(f.date_of_expiry.month())) + "-" +
         std::to_string(static_cast<unsigned>(f.date_of_expiry.day())) + "|" + f.optional_data;
}

// The truth as the zone can hold it: names as cut to fit and spaces for fillers.
std::string expected_fields(const sim::Specimen& s) {
  const auto truth = parse_mrz(s.mrz, kToday);
  if (!truth) throw std::runtime_error("specimen zone does not parse: " + truth.error());
  return all_fields(*truth);
}

struct Tally {
  int right = 0, refused = 0, wrong = 0;
  std::string report;
};

void read_into(Tally& t, std::uint32_t seed, const sim::Specimen& s) {
  const auto page = read_data_page(reader(), s.page, kToday);
  if (!page) {
    ++t.refused;
    t.report += "seed " + std::to_string(seed) + " refused: " + page.error().detail + "\n";
    EXPECT_NE(page.error().detail.find("scan the data page again"), std::string::npos) << page.error().detail;
    return;
  }
  if (all_fields(page->fields) == expected_fields(s)) {
    ++t.right;
    return;
  }
  ++t.wrong;
  t.report += "seed " + std::to_string(seed) + " WRONG: " + all_fields(page->fields) + " for " + expected_fields(s) + "\n";
}

sim::ScanDefects random_defects(std::mt19937& rng, bool platen) {
  const auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  sim::ScanDefects d;
  d.whole_platen = platen;
  d.rotation_deg = platen ? uniform(-10, 10) : uniform(-5, 5);
  d.blur_sigma = uniform(0, 1.2);
  d.noise_sigma = uniform(0, 8);
  d.jpeg_quality = 40 + static_cast<int>(rng() % 51);
  d.uneven_light = uniform(0, 0.4);
  d.upside_down = rng() % 2 == 0;
  return d;
}

TEST(MrzReader, ReadsCleanPagesCharacterForCharacter) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    const sim::Specimen s = sim::render_td3_specimen(seed, {}, {});
    const auto zone = reader().read(s.page);
    ASSERT_TRUE(zone.has_value()) << zone.error().detail;
    EXPECT_EQ(zone->lines, s.mrz) << "seed " << seed;
    EXPECT_FALSE(zone->upside_down);
    EXPECT_NEAR(zone->skew_deg, 0, 0.3);
    EXPECT_NEAR(zone->pitch_px, 2.54 / 25.4 * sim::kSpecimenDpi, 0.2);
  }
}

TEST(MrzReader, ReadsTwoHundredPerturbedPagesAndAcceptsNoWrongField) {
  // Three in four pages cropped to the data page and turned up to ±5°, one in four lying anywhere
  // on the whole glass up to ±10°; blur, noise, JPEG, uneven light, and every other one upside
  // down.
  std::mt19937 rng(2026);
  Tally t;
  for (std::uint32_t seed = 1000; seed < 1200; ++seed) {
    const sim::Specimen s = sim::render_td3_specimen(seed, {}, random_defects(rng, seed % 4 == 1));
    read_into(t, seed, s);
  }
  std::printf("200 perturbed pages: %d right, %d refused, %d wrong\n", t.right, t.refused, t.wrong);
  EXPECT_EQ(t.wrong, 0) << t.report;
  EXPECT_GE(t.right, 198) << t.report;
}

TEST(MrzReader, PagesTooDamagedToReadAreRefusedNeverMisread) {
  std::mt19937 rng(7);
  Tally t;
  for (std::uint32_t seed = 2000; seed < 2040; ++seed) {
    sim::ScanDefects d = random_defects(rng, false);
    d.blur_sigma = std::uniform_real_distribution<double>(1.5, 3.0)(rng);
    d.noise_sigma = std::uniform_real_distribution<double>(10, 30)(rng);
    d.jpeg_quality = 10 + static_cast<int>(rng() % 20);
    read_into(t, seed, sim::render_td3_specimen(seed, {}, d));
  }
  std::printf("40 badly damaged pages: %d right, %d refused, %d wrong\n", t.right, t.refused, t.wrong);
  EXPECT_EQ(t.wrong, 0) << t.report;
}

TEST(MrzReader, FindsTheZoneOnTheWholePlatenWhereverThePageLies) {
  sim::ScanDefects d;
  d.whole_platen = true;
  d.rotation_deg = -8;
  const sim::Specimen s = sim::render_td3_specimen(3, {}, d);
  ASSERT_EQ(s.page.rows, 3508);
  const auto zone = reader().read(s.page);
  ASSERT_TRUE(zone.has_value()) << zone.error().detail;
  EXPECT_EQ(zone->lines, s.mrz);
  EXPECT_NEAR(zone->skew_deg, -8, 0.3);
  // The corners it reports hold the zone: the ink inside them is the zone's.
  const cv::Rect box = cv::boundingRect(std::vector<cv::Point2f>(zone->corners.begin(), zone->corners.end()));
  EXPECT_GT(box.width, 44 * 30 * 0.95);
  EXPECT_LT(box.width, 44 * 30 * 1.3);
}

TEST(MrzReader, APageWithoutAZoneAskewBeyondTenDegreesOrOfAnOddFormatSaysSo) {
  const cv::Mat blank(1039, 1476, CV_8UC3, cv::Scalar(240, 240, 240));
  const auto none = read_data_page(reader(), blank, kToday);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().kind, ZoneProblem::Kind::kNotFound);
  EXPECT_NE(none.error().detail.find("no machine-readable zone"), std::string::npos) << none.error().detail;

  sim::ScanDefects d;
  d.whole_platen = true;
  d.rotation_deg = 25;
  const auto askew = reader().read(sim::render_td3_specimen(3, {}, d).page);
  EXPECT_FALSE(askew.has_value());

  EXPECT_FALSE(reader().read(cv::Mat()).has_value());
  EXPECT_FALSE(reader().read(cv::Mat(100, 100, CV_32F, cv::Scalar(0.5))).has_value());

  // A 16-bit grey scan reads as well as an 8-bit colour one.
  const sim::Specimen s = sim::render_td3_specimen(12, {}, {});
  cv::Mat deep;
  cv::cvtColor(s.page, deep, cv::COLOR_BGR2GRAY);
  deep.convertTo(deep, CV_16U, 257);
  const auto read = reader().read(deep);
  ASSERT_TRUE(read.has_value()) << read.error().detail;
  EXPECT_EQ(read->lines, s.mrz);
  const auto missing = MrzReader::load("/nonexistent.otf");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("fonts-ocr-b"), std::string::npos);
}

TEST(MrzReader, AZoneWithOneCharacterSmudgedIsRefusedNotGuessed) {
  // A blot over one letter of the name: no check digit covers it, so the page must be rescanned.
  const sim::Specimen s = sim::render_td3_specimen(11, {}, {});
  cv::Mat page = s.page.clone();
  const int pitch = 30, left = (page.cols - 44 * pitch) / 2;
  const int baseline = page.rows - static_cast<int>(8.0 * sim::kSpecimenDpi / 25.4 + 0.5);
  cv::rectangle(page, cv::Rect(left + 6 * pitch, baseline - 14, 22, 14), cv::Scalar(60, 60, 60), cv::FILLED);
  const auto read = read_data_page(reader(), page, kToday);
  ASSERT_FALSE(read.has_value()) << all_fields(read->fields);
  EXPECT_NE(read.error().detail.find("with certainty (line 1, character 7)"), std::string::npos)
      << read.error().detail;
}

}  // namespace
}  // namespace kiosk::document
