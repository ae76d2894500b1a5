// Specimen passport pages: the zone printed is the zone composed from the fields, at ICAO's
// place and pitch, and the scan defects change the page as a scanner would.
#include "sim/passport_specimen.hpp"

#include <numbers>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace kiosk::sim {
namespace {

using namespace std::chrono;

double ink_share(const cv::Mat& bgr) {
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  return static_cast<double>(cv::countNonZero(grey < 100)) / static_cast<double>(grey.total());
}

TEST(PassportSpecimen, APageCarriesAZoneThatReadsBackToItsFields) {
  for (std::uint32_t seed = 1; seed <= 12; ++seed) {
    const Specimen s = render_td3_specimen(seed, {}, {});
    EXPECT_EQ(s.page.cols, 1476);
    EXPECT_EQ(s.page.rows, 1039);
    const auto read = document::parse_mrz(s.mrz, year(2026) / 11 / 21);
    ASSERT_TRUE(read.has_value()) << read.error();
    EXPECT_EQ(read->document_number, s.fields.document_number);
    EXPECT_EQ(read->date_of_birth, s.fields.date_of_birth);
    EXPECT_EQ(read->date_of_expiry, s.fields.date_of_expiry);
    // Ink in the zone's box, none in the band between the fields and the zone.
    EXPECT_GT(ink_share(s.page(s.mrz_box)), 0.08) << "seed " << seed;
    EXPECT_LT(ink_share(s.page(cv::Rect(0, s.mrz_box.y - 40, s.page.cols, 30))), 0.01);
    EXPECT_GT(s.mrz_box.width, 44 * 29);
  }
}

TEST(PassportSpecimen, LongNamesAreCutAsIcaoSays) {
  bool cut = false;
  for (std::uint32_t seed = 1; seed <= 60 && !cut; ++seed) {
    const Specimen s = render_td3_specimen(seed, {}, {});
    cut = document::parse_mrz(s.mrz, year(2026) / 11 / 21)->names_truncated;
  }
  EXPECT_TRUE(cut) << "no seed gave a name too long for the zone";
}

TEST(PassportSpecimen, ScanDefectsChangeThePageAndTheSameSeedGivesTheSamePage) {
  const Specimen clean = render_td3_specimen(5, {}, {});
  EXPECT_EQ(cv::norm(clean.page, render_td3_specimen(5, {}, {}).page, cv::NORM_INF), 0);
  ScanDefects turned;
  turned.upside_down = true;
  cv::Mat back;
  cv::rotate(render_td3_specimen(5, {}, turned).page, back, cv::ROTATE_180);
  EXPECT_EQ(cv::norm(back, clean.page, cv::NORM_INF), 0);
  ScanDefects rough;
  rough.rotation_deg = 4;
  rough.blur_sigma = 1.2;
  rough.noise_sigma = 8;
  rough.jpeg_quality = 40;
  rough.uneven_light = 0.4;
  const Specimen scanned = render_td3_specimen(5, {}, rough);
  // The scan grows to hold the turned page: nothing of it is cut off.
  const double turn = 4 * std::numbers::pi / 180;
  EXPECT_NEAR(scanned.page.cols, 1476 * std::cos(turn) + 1039 * std::sin(turn), 4);
  EXPECT_NEAR(scanned.page.rows, 1039 * std::cos(turn) + 1476 * std::sin(turn), 4);
  rough.rotation_deg = 0;
  const Specimen unturned = render_td3_specimen(5, {}, rough);
  ASSERT_EQ(unturned.page.size(), clean.page.size());
  EXPECT_GT(cv::norm(unturned.page, clean.page, cv::NORM_L1) / static_cast<double>(clean.page.total()), 5.0);
  EXPECT_EQ(scanned.mrz, clean.mrz);
}

TEST(PassportSpecimen, OnTheWholePlatenThePageLiesWithinTheLidsWhite) {
  ScanDefects d;
  d.whole_platen = true;
  d.rotation_deg = 10;
  const Specimen s = render_td3_specimen(5, {}, d);
  EXPECT_EQ(s.page.size(), cv::Size(2551, 3508));
  // The edges of the glass are the lid's white; the page covers about its own area.
  cv::Mat grey;
  cv::cvtColor(s.page, grey, cv::COLOR_BGR2GRAY);
  EXPECT_GT(cv::mean(grey.row(0))[0], 244);
  EXPECT_GT(cv::mean(grey.col(grey.cols - 1))[0], 244);
  const double page_share = static_cast<double>(cv::countNonZero(grey < 243)) / static_cast<double>(grey.total());
  EXPECT_NEAR(page_share, 125.0 * 88 / (216 * 297), 0.03);
}

}  // namespace
}  // namespace kiosk::sim
