// The printed receipt: an 80 mm page in the applicant's language, with the tracking code as text
// and as a QR code, the fee, how to pay and when to collect; Chinese and Arabic come out as their
// own script, not as missing glyphs.
#include <algorithm>
#include <chrono>
#include <regex>

#include <gtest/gtest.h>

#include "kiosk/ui/receipt.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::ui {
namespace {

config::Service visa() {
  config::Service s;
  s.id = "visa-l";
  s.fee = 60;
  s.currency = "USD";
  s.processing_days = 4;
  return s;
}

struct Printed {
  std::string text;   // pdftotext
  std::string info;   // pdfinfo
  std::string fonts;  // pdffonts
};

Printed print(std::string_view language) {
  auto catalogue = Catalogue::load(std::filesystem::path(KIOSK_SOURCE_DIR) / "kiosk/messages", language);
  EXPECT_TRUE(catalogue) << catalogue.error();
  const auto issued = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  auto pdf = receipt_pdf(receipt_document(*catalogue, language, visa(), "7KQ2-M9XD-4RTW", "KIOSK-7", issued));
  EXPECT_TRUE(pdf) << pdf.error();
  testing::ScratchDir dir;
  const auto file = dir / "receipt.pdf";
  std::ofstream(file, std::ios::binary) << *pdf;
  // Lines wrap at the roll's width: the text is read as one line.
  std::string text = testing::run_program("pdftotext -enc UTF-8 " + file.string() + " -").output;
  std::replace(text.begin(), text.end(), '\n', ' ');
  return {text,
          testing::run_program("pdfinfo " + file.string()).output,
          testing::run_program("pdffonts " + file.string()).output};
}

TEST(ReceiptPdf, SaysTheCodeTheFeeAndWhenToCollectOnAnEightyMillimetreRoll) {
  const Printed p = print("en");
  EXPECT_NE(p.text.find("Your application has been received"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("7KQ2-M9XD-4RTW"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("Fee due: 60.00 USD"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("4 working days"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("KIOSK-7 · 2027-01-15T08:00:00Z"), std::string::npos) << p.text;
  EXPECT_TRUE(std::regex_search(p.info, std::regex("Page size: +226\\.77\\d* x"))) << "80 mm wide:\n" << p.info;
  EXPECT_TRUE(std::regex_search(p.info, std::regex("Pages: +1\\n"))) << p.info;
}

TEST(ReceiptPdf, ChineseAndArabicArePrintedInTheirOwnScript) {
  const Printed zh = print("zh");
  EXPECT_NE(zh.text.find("7KQ2-M9XD-4RTW"), std::string::npos);
  EXPECT_NE(zh.text.find("60.00 USD"), std::string::npos) << zh.text;
  EXPECT_NE(zh.fonts.find("DroidSansFallback"), std::string::npos) << "a CJK font is embedded:\n" << zh.fonts;
  const Printed ar = print("ar");
  EXPECT_NE(ar.text.find("7KQ2-M9XD-4RTW"), std::string::npos) << "the code stays left to right:\n" << ar.text;
  // Arabic letters (U+0600–U+06FF, two bytes in UTF-8 starting 0xD8–0xDB) are in the text layer.
  int arabic = 0;
  for (std::size_t i = 0; i + 1 < ar.text.size(); ++i) {
    const auto b = static_cast<unsigned char>(ar.text[i]);
    if (b >= 0xD8 && b <= 0xDB) ++arabic;
  }
  EXPECT_GT(arabic, 50) << ar.text;
}

TEST(ReceiptPdf, NoFeeAndNoProcessingTimeAreSaidSo) {
  auto catalogue = Catalogue::load(std::filesystem::path(KIOSK_SOURCE_DIR) / "kiosk/messages", "en");
  ASSERT_TRUE(catalogue);
  config::Service free_service = visa();
  free_service.fee = 0;
  free_service.processing_days = 0;
  const ReceiptDocument d = receipt_document(*catalogue, "en", free_service, "7KQ2-M9XD-4RTW", "K", {});
  ASSERT_EQ(d.paragraphs.size(), 2u);
  EXPECT_EQ(d.paragraphs[0], catalogue->text("receipt.no_fee"));
  EXPECT_EQ(d.paragraphs[1], catalogue->text("receipt.collect_later"));
}

}  // namespace
}  // namespace kiosk::ui
