// The receipt: its QR code for the screen (SVG), and the printed receipt (PDF, an 80 mm roll),
// in the applicant's language.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "config/services.hpp"
#include "kiosk/ui/catalogue.hpp"

namespace kiosk::ui {

// `text` as a QR code (libqrencode, error correction level M) drawn in SVG: one square per dark
// module, a quiet zone of four modules, scalable to any size.
std::expected<std::string, std::string> qr_svg(std::string_view text);

// What the printed receipt says, every text already in the applicant's language.
struct ReceiptDocument {
  std::string language;  // BCP 47 ("ar"): picks the fonts and the shaping
  std::string title;
  std::string code_label;
  std::string code;                     // "XXXX-XXXX-XXXX", also printed as a QR code
  std::vector<std::string> paragraphs;  // the fee, how to pay, when and how to collect
  std::string footer;                   // the kiosk and the time, small
};

// The receipt's texts from `catalogue` (the applicant's language `code`), as the screen shows them.
ReceiptDocument receipt_document(const Catalogue& catalogue, std::string_view language,
                                 const config::Service& service, std::string tracking_code,
                                 std::string_view kiosk_id,
                                 std::chrono::system_clock::time_point issued);

// The receipt as a one-page PDF 80 mm wide and as long as its text (pango on cairo: any script,
// right to left where the text is). An error when the code cannot be encoded or cairo fails.
std::expected<std::string, std::string> receipt_pdf(const ReceiptDocument& receipt);

}  // namespace kiosk::ui
