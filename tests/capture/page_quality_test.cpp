// Supporting-paper quality: clean pages pass, and each fault a scan can have is caught with its
// prompt, on generated papers (sim/document_specimen).
#include "capture/document/page_quality.hpp"

#include <cstdio>

#include <gtest/gtest.h>

#include "sim/document_specimen.hpp"

namespace kiosk::document {
namespace {

std::string figures(const PageQuality& q) {
  char text[200];
  std::snprintf(text, sizeof text, "ink %.4f edge %.3f skew %.2f glare %.4f width %.3f mm",
                q.ink_share, q.edge_ink_share, q.skew_deg, q.glare_share, q.edge_width_mm);
  return text;
}

PageQuality assess(const sim::PaperFaults& faults, std::uint32_t seed = 1) {
  return assess_page(sim::render_paper(seed, faults), 300);
}

TEST(PageQuality, CleanAndOrdinaryScansPass) {
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    sim::PaperFaults f;
    f.scan.rotation_deg = (static_cast<int>(seed) - 3) * 1.2;  // within what is straightened
    f.scan.blur_sigma = seed % 2 ? 0.0 : 1.0;
    f.scan.noise_sigma = 2.0 * seed;
    f.scan.jpeg_quality = seed % 3 ? 0 : 60;
    f.scan.uneven_light = 0.05 * seed;
    f.paper_tone = seed % 2 ? 238 : 252;
    const PageQuality q = assess(f, seed);
    std::printf("seed %u: %s\n", seed, figures(q).c_str());
    EXPECT_TRUE(q.failures.empty()) << "seed " << seed << ": " << prompt_id(q.failures.front())
                                    << " " << figures(q);
    EXPECT_NEAR(q.skew_deg, f.scan.rotation_deg, 0.3) << figures(q);
  }
}

TEST(PageQuality, BlankSheetIsBlankEvenWithNoiseAndUnevenLight) {
  sim::PaperFaults f;
  f.blank = true;
  f.scan.noise_sigma = 8;
  f.scan.uneven_light = 0.4;
  f.scan.jpeg_quality = 50;
  const PageQuality q = assess(f);
  EXPECT_EQ(q.prompt(), ScanPrompt::kPageBlank) << figures(q);
}

TEST(PageQuality, BlurredScanAsksForTheSheetToLieFlat) {
  for (double sigma : {3.0, 4.5}) {  // px at 300 dpi; 1.0 still passes above
    sim::PaperFaults f;
    f.scan.blur_sigma = sigma;
    f.scan.noise_sigma = 3;
    const PageQuality q = assess(f);
    std::printf("blur %.1f: %s\n", sigma, figures(q).c_str());
    EXPECT_EQ(q.prompt(), ScanPrompt::kPageBlurred) << sigma << ": " << figures(q);
  }
}

TEST(PageQuality, GlareSpotIsCaught) {
  sim::PaperFaults f;
  f.glare = 0.25;
  const PageQuality q = assess(f);
  EXPECT_EQ(q.prompt(), ScanPrompt::kPageGlare) << figures(q);
}

TEST(PageQuality, PageLaidAskewIsToldAndAlittleAskewIsStraightened) {
  sim::PaperFaults f;
  f.scan.rotation_deg = -8;
  const PageQuality q = assess(f);
  EXPECT_EQ(q.prompt(), ScanPrompt::kStraightenPage) << figures(q);
  EXPECT_NEAR(q.skew_deg, -8, 0.3);

  f.scan.rotation_deg = 3;
  const cv::Mat turned = sim::render_paper(1, f);
  const PageQuality before = assess_page(turned, 300);
  ASSERT_NEAR(before.skew_deg, 3, 0.3);
  const PageQuality after = assess_page(straighten(turned, before.skew_deg), 300);
  EXPECT_NEAR(after.skew_deg, 0, 0.15) << figures(after);
}

TEST(PageQuality, SmallPaperOnTheWholeGlassIsJudgedByItsText) {
  // A passport page covers a sixth of the A4 glass; the lid's flat white must not make it blurred.
  sim::ScanDefects on_glass;
  on_glass.whole_platen = true;
  on_glass.rotation_deg = 2;
  const PageQuality q = assess_page(sim::render_td3_specimen(1, {}, on_glass).page, 300);
  EXPECT_TRUE(q.failures.empty()) << prompt_id(q.failures.front()) << " " << figures(q);
  EXPECT_LT(q.edge_width_mm, 0.25) << figures(q);
}

TEST(PageQuality, PagePartlyOffTheGlassIsCutOff) {
  for (double mm : {25.0, 40.0}) {
    sim::PaperFaults f;
    f.off_glass_mm = mm;
    const PageQuality q = assess(f);
    EXPECT_EQ(q.prompt(), ScanPrompt::kPageCutOff) << mm << " mm: " << figures(q);
  }
}

}  // namespace
}  // namespace kiosk::document
