// Supporting papers through SANE: the checklist an applicant gets, papers scanned page by page
// from the glass (pnm backend) into one PDF, and the feeder's runs (test backend): a blank page,
// a jam, an empty feeder, each the prompt the applicant needs, with nothing kept from a bad run.
#include "capture/document/supporting_papers.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "sim/document_specimen.hpp"
#include "tests/support/sane_test.hpp"

namespace kiosk::document {
namespace {

using namespace std::chrono_literals;

config::Service renewal() {
  config::Service s;
  s.id = "passport-renewal";
  s.kind = "passport";
  s.checklist = {{"national_id_card", config::DocumentCondition::kAlways, true, 2, "document"},
                 {"guardian_consent", config::DocumentCondition::kMinor, true, 10, "document"},
                 {"police_report", config::DocumentCondition::kLostPassport, true, 10, "document"}};
  return s;
}

std::vector<std::string> ids(const std::vector<config::SupportingDocument>& papers) {
  std::vector<std::string> out;
  for (const auto& p : papers) out.push_back(p.id);
  return out;
}

TEST(Checklist, MinorsAndLostPassportsBringTheirExtraPapers) {
  EXPECT_EQ(ids(checklist_for(renewal(), {.age = 40}, 18)), std::vector<std::string>{"national_id_card"});
  EXPECT_EQ(ids(checklist_for(renewal(), {.age = 17}, 18)),
            (std::vector<std::string>{"national_id_card", "guardian_consent"}));
  EXPECT_EQ(ids(checklist_for(renewal(), {.age = 18, .lost_passport = true}, 18)),
            (std::vector<std::string>{"national_id_card", "police_report"}));
}

config::FileRule document_rule() {
  config::FileRule r;
  r.name = "document";
  r.formats = {"pdf", "jpg"};
  r.max_bytes = 2u << 20;
  return r;
}

class PaperCaptureTest : public testing::SaneTest {
 protected:
  std::shared_ptr<PaperCapture> paper(config::ScannerSection settings,
                                      std::vector<std::pair<std::string, std::string>> options,
                                      int max_pages = 10) {
    config::SupportingDocument d{"invitation_letter", config::DocumentCondition::kAlways, true,
                                 max_pages, "document"};
    return std::make_shared<PaperCapture>(io_.get_executor(), *scanner_, settings, std::move(options),
                                          d, document_rule());
  }

  std::expected<int, PaperRefusal> scan(PaperCapture& p) {
    std::optional<std::expected<int, PaperRefusal>> result;
    p.scan(nullptr, [&](auto r) { result = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, result, 60s));
    return result ? *result : std::unexpected(PaperRefusal{ScanPrompt::kCancelled, 0, "gave up"});
  }

  std::expected<EncodedFile, PaperRefusal> finish(PaperCapture& p) {
    std::optional<std::expected<EncodedFile, PaperRefusal>> result;
    p.finish([&](auto r) { result = std::move(r); });
    EXPECT_TRUE(testing::run_until(io_, result, 60s));
    return result ? *result : std::unexpected(PaperRefusal{ScanPrompt::kCancelled, 0, "gave up"});
  }

};

TEST_F(PaperCaptureTest, PagesFromTheGlassOneByOneBecomeOnePdf) {
  open("pnm:0");
  // The pnm backend scans whatever this file holds: the test lays each page on the glass in turn.
  const auto glass = scratch_ / "glass.ppm";
  auto p = paper({}, {{"filename", glass.string()}});
  EXPECT_FALSE(p->uses_feeder());

  ASSERT_TRUE(cv::imwrite(glass.string(), sim::render_paper(1, {.scan = {.rotation_deg = 2}})));
  ASSERT_EQ(scan(*p), 1);
  EXPECT_NEAR(p->qualities().front().skew_deg, 2, 0.3);

  ASSERT_TRUE(cv::imwrite(glass.string(), sim::render_paper(2, {.scan = {.blur_sigma = 4}})));
  const auto refused = scan(*p);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().prompt, ScanPrompt::kPageBlurred) << refused.error().detail;
  EXPECT_EQ(refused.error().page, 1);
  EXPECT_EQ(p->pages(), 1) << "the blurred page is not kept; the first one is";

  ASSERT_TRUE(cv::imwrite(glass.string(), sim::render_paper(2, {})));
  ASSERT_EQ(scan(*p), 2);
  const auto file = finish(*p);
  ASSERT_TRUE(file) << file.error().detail;
  EXPECT_EQ(file->format, "pdf");
  EXPECT_EQ(file->pages, 2);
  EXPECT_LE(file->bytes.size(), document_rule().max_bytes);
}

TEST_F(PaperCaptureTest, TooManyPagesAreRefused) {
  open("pnm:0");
  const auto page = scratch_ / "glass.ppm";
  ASSERT_TRUE(cv::imwrite(page.string(), sim::render_paper(3, {})));
  auto p = paper({}, {{"filename", page.string()}}, /*max_pages*/ 1);
  ASSERT_EQ(scan(*p), 1);
  const auto second = scan(*p);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().prompt, ScanPrompt::kTooManyPages);
  const auto file = finish(*p);
  ASSERT_TRUE(file) << file.error().detail;
  EXPECT_EQ(file->pages, 1);
}

TEST_F(PaperCaptureTest, FinishingWithoutAPageAsksForAScan) {
  open("pnm:0");
  auto p = paper({}, {});
  const auto file = finish(*p);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().prompt, ScanPrompt::kScanAgain);
}

config::ScannerSection feeder() {
  config::ScannerSection s;
  s.resolution_dpi = 100;  // the test backend's pages are large; these runs are about the feeder
  s.mode = "Gray";
  s.feeder_source = "Automatic Document Feeder";
  return s;
}

TEST_F(PaperCaptureTest, BlankSheetsInTheFeederAreRefusedAndNotKept) {
  open("test:0");
  auto p = paper(feeder(), {{"test-picture", "Solid white"}});
  EXPECT_TRUE(p->uses_feeder());
  const auto run = scan(*p);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().prompt, ScanPrompt::kPageBlank) << run.error().detail;
  EXPECT_EQ(run.error().page, 1);
  EXPECT_EQ(p->pages(), 0);
}

// One scan a test: SANE's test backend can deadlock in the sane_cancel that ends a scan (see
// tests/support/sane_test_main.cpp), after its result is delivered; a second scan in the same
// process would then wait behind it until its deadline.
TEST_F(PaperCaptureTest, FeederJamBecomesItsPrompt) {
  open("test:0");
  auto jammed = paper(feeder(), {{"read-return-value", "SANE_STATUS_JAMMED"}});
  const auto jam = scan(*jammed);
  ASSERT_FALSE(jam);
  EXPECT_EQ(jam.error().prompt, ScanPrompt::kClearPaperJam);
}

TEST_F(PaperCaptureTest, EmptyFeederBecomesItsPrompt) {
  open("test:0");
  auto empty = paper(feeder(), {{"read-return-value", "SANE_STATUS_NO_DOCS"}});
  const auto none = scan(*empty);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().prompt, ScanPrompt::kLoadFeeder);
}

}  // namespace
}  // namespace kiosk::document
