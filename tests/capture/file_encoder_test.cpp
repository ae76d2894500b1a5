// Supporting papers written to file rules: every format, size bands met by resolution and quality,
// several pages as one PDF that poppler reads back, and clear errors where a rule cannot be met.
#include "capture/document/file_encoder.hpp"

#include <fstream>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sim/document_specimen.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::document {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const cv::Mat& letter() {  // A4 colour, a red stamp on it
  static const cv::Mat page = sim::render_paper(5, {});
  return page;
}

cv::Mat grey_letter() {
  cv::Mat grey;
  cv::cvtColor(sim::render_paper(6, {}), grey, cv::COLOR_BGR2GRAY);
  return grey;
}

// A page that compresses badly: a photograph-like mottle over the letter.
cv::Mat busy_page() {
  cv::Mat noise(letter().size(), CV_8UC3);
  cv::randn(noise, cv::Scalar::all(128), cv::Scalar::all(60));
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), 1.2);
  cv::Mat page;
  cv::addWeighted(letter(), 0.5, noise, 0.5, 0, page);
  return page;
}

config::FileRule rule(std::string name, std::vector<std::string> formats, std::uint64_t min_kib,
                      std::uint64_t max_kib, int min_dpi = 150, int max_dpi = 300) {
  config::FileRule r;
  r.name = std::move(name);
  r.formats = std::move(formats);
  r.min_bytes = min_kib * 1024;
  r.max_bytes = max_kib * 1024;
  r.min_dpi = min_dpi;
  r.max_dpi = max_dpi;
  return r;
}

const config::FileRule kDocument = rule("document", {"pdf", "jpg", "jpeg", "png", "tif", "bmp"}, 0, 2048);
const config::FileRule kBand = rule("band", {"jpg"}, 100, 300, 200, 600);

bool starts_with(const std::vector<std::uint8_t>& bytes, std::string_view magic) {
  return bytes.size() >= magic.size() &&
         std::equal(magic.begin(), magic.end(), bytes.begin(),
                    [](char m, std::uint8_t b) { return static_cast<std::uint8_t>(m) == b; });
}

void expect_within(const EncodedFile& f, const config::FileRule& r) {
  EXPECT_LE(f.bytes.size(), r.max_bytes) << f.format;
  EXPECT_GE(f.bytes.size(), r.min_bytes) << f.format;
  EXPECT_GE(f.dpi, r.min_dpi) << f.format;
  EXPECT_LE(f.dpi, r.max_dpi) << f.format;
}

TEST(FileEncoder, EveryFormatOfTheDocumentRuleIsWrittenWithinTwoMegabytes) {
  const std::vector<std::pair<std::string, std::string_view>> formats = {
      {"jpg", "\xFF\xD8\xFF"}, {"jpeg", "\xFF\xD8\xFF"}, {"png", "\x89PNG"},
      {"tif", "II*"}, {"pdf", "%PDF-"}};
  for (const auto& [format, magic] : formats) {
    const auto file = encode_document({{letter(), 300}}, kDocument, format);
    ASSERT_TRUE(file) << format << ": " << file.error();
    expect_within(*file, kDocument);
    EXPECT_TRUE(starts_with(file->bytes, magic)) << format;
    EXPECT_FALSE(file->grey) << "the red stamp keeps the page in colour";
    if (format != "pdf") {
      const cv::Mat back = cv::imdecode(file->bytes, cv::IMREAD_UNCHANGED);
      ASSERT_FALSE(back.empty()) << format;
      EXPECT_NEAR(back.cols, letter().cols * file->dpi / 300.0, 2) << format;
    }
  }
  // JPEG at the finest resolution the rule allows, at a good quality.
  const auto jpg = encode_document({{letter(), 300}}, kDocument, "jpg");
  EXPECT_EQ(jpg->dpi, 300);
  EXPECT_GE(jpg->jpeg_quality, 85);
  EXPECT_EQ(jpg->format, "jpg");
  // The JFIF header carries the resolution, in dots per inch.
  EXPECT_EQ(jpg->bytes[13], 1);
  EXPECT_EQ(jpg->bytes[14] * 256 + jpg->bytes[15], 300);
}

TEST(FileEncoder, ColourlessPageIsWrittenGrey) {
  const auto file = encode_document({{grey_letter(), 300}}, kDocument, "png");
  ASSERT_TRUE(file) << file.error();
  EXPECT_TRUE(file->grey);
  EXPECT_EQ(cv::imdecode(file->bytes, cv::IMREAD_UNCHANGED).channels(), 1);
}

TEST(FileEncoder, BandIsMetByChoosingQualityAndResolution) {
  for (const cv::Mat& page : {letter(), busy_page()}) {
    const auto file = encode_document({{page, 300}}, kBand);
    ASSERT_TRUE(file) << file.error();
    expect_within(*file, kBand);
    EXPECT_EQ(file->format, "jpg");
  }
  // The busy page must give up resolution or quality to fit; the letter need not.
  const auto busy = encode_document({{busy_page(), 300}}, kBand);
  const auto plain = encode_document({{letter(), 300}}, kBand);
  EXPECT_TRUE(busy->dpi < plain->dpi || busy->jpeg_quality < plain->jpeg_quality);
}

TEST(FileEncoder, SeveralPagesBecomeOnePdfThatPopplerReads) {
  testing::ScratchDir scratch;
  std::vector<ScannedPage> pages;
  for (std::uint32_t seed = 1; seed <= 3; ++seed) pages.push_back({sim::render_paper(seed, {}), 300});
  const auto file = encode_document(pages, kDocument);
  ASSERT_TRUE(file) << file.error();
  EXPECT_EQ(file->format, "pdf");
  EXPECT_EQ(file->pages, 3);
  expect_within(*file, kDocument);
  const auto pdf = scratch.path() / "letter.pdf";
  std::ofstream(pdf, std::ios::binary).write(reinterpret_cast<const char*>(file->bytes.data()),
                                             static_cast<std::streamsize>(file->bytes.size()));
  const auto info = testing::run_program("pdfinfo " + pdf.string());
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_THAT(info.output, HasSubstr("Pages:           3"));
  // A4 is 595 × 842 points.
  EXPECT_TRUE(std::regex_search(info.output, std::regex(R"(Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts)")))
      << info.output;
  // Each page one image, embedded as JPEG at the resolution chosen.
  const auto images = testing::run_program("pdfimages -list " + pdf.string());
  ASSERT_EQ(images.exit_code, 0) << images.output;
  EXPECT_EQ(std::count(images.output.begin(), images.output.end(), '\n') - 2, 3) << images.output;
  EXPECT_THAT(images.output, HasSubstr("jpeg"));
  EXPECT_THAT(images.output, HasSubstr(std::to_string(file->dpi) + "   " + std::to_string(file->dpi)));
}

TEST(FileEncoder, RulesThatCannotBeMetAreClearErrors) {
  // Uncompressed BMP of an A4 page cannot be made 2 MB at 150 dpi or finer.
  const auto bmp = encode_document({{letter(), 300}}, kDocument, "bmp");
  ASSERT_FALSE(bmp);
  EXPECT_THAT(bmp.error(), AllOf(HasSubstr("at 150 dpi the file is still"), HasSubstr("allows 2.0 MB")));
  // Noise over a whole A4 page will not go under 20 KB at any legible quality.
  const auto tiny = encode_document({{busy_page(), 300}}, rule("tiny", {"jpg"}, 0, 20), "jpg");
  ASSERT_FALSE(tiny);
  EXPECT_THAT(tiny.error(), AllOf(HasSubstr("at 150 dpi and JPEG quality 30"), HasSubstr("allows 20 KB")));
  // A near-empty slip cannot fill a 100 KB floor.
  const cv::Mat slip(600, 800, CV_8UC3, cv::Scalar(240, 240, 240));
  const auto small = encode_document({{slip, 300}}, kBand);
  ASSERT_FALSE(small);
  EXPECT_THAT(small.error(), HasSubstr("asks for at least 100 KB"));
  // Too coarse a scan, a format the rule does not take, several pages without PDF.
  EXPECT_THAT(encode_document({{letter(), 100}}, kDocument).error(), HasSubstr("scanned at 100 dpi"));
  EXPECT_THAT(encode_document({{letter(), 300}}, kBand, "png").error(), HasSubstr("does not take png"));
  EXPECT_THAT(encode_document({{letter(), 300}, {letter(), 300}}, kBand).error(), HasSubstr("one PDF"));
  EXPECT_THAT(encode_document({}, kDocument).error(), HasSubstr("no page"));
  EXPECT_THAT(encode_document({{cv::Mat(10, 10, CV_16UC1), 300}}, kDocument).error(), HasSubstr("8-bit"));
}

}  // namespace
}  // namespace kiosk::document
