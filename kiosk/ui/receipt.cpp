// The receipt's QR code and the printed receipt; see receipt.hpp.
#include "kiosk/ui/receipt.hpp"

#include <cairo-pdf.h>
#include <fmt/format.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <memory>

#include "config/utc_text.hpp"

namespace kiosk::ui {
namespace {

using QrCode = std::unique_ptr<QRcode, decltype(&QRcode_free)>;

QrCode qr_code(std::string_view text) {
  const std::string input(text);
  return QrCode(QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
}

constexpr int kQuietModules = 4;
constexpr double kPointsPerMm = 72.0 / 25.4;

struct GObjectUnref {
  void operator()(void* p) const { g_object_unref(p); }
};
using Layout = std::unique_ptr<PangoLayout, GObjectUnref>;

// A paragraph `width` points wide in `font`; the alignment follows the text's own direction.
Layout paragraph(cairo_t* cr, const std::string& text, const char* font,
                 const std::string& language, double width, bool centred) {
  Layout layout(pango_cairo_create_layout(cr));
  pango_context_set_language(pango_layout_get_context(layout.get()),
                             pango_language_from_string(language.c_str()));
  pango_layout_context_changed(layout.get());
  std::unique_ptr<PangoFontDescription, decltype(&pango_font_description_free)> description(
      pango_font_description_from_string(font), &pango_font_description_free);
  pango_layout_set_font_description(layout.get(), description.get());
  pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout.get(), centred ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
  pango_layout_set_text(layout.get(), text.c_str(), -1);
  return layout;
}

double height_of(const Layout& layout) {
  int w = 0, h = 0;
  pango_layout_get_size(layout.get(), &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::expected<std::string, std::string> qr_svg(std::string_view text) {
  const QrCode code = qr_code(text);
  if (!code) return std::unexpected(std::string("the text cannot be put in a QR code"));
  const int size = code->width + 2 * kQuietModules;
  std::string path;
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (code->data[y * code->width + x] & 1)
        path += fmt::format("M{} {}h1v1h-1z", x + kQuietModules, y + kQuietModules);
    }
  }
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {0}\" "
      "shape-rendering=\"crispEdges\">"
      "<rect width=\"{0}\" height=\"{0}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{1}\"/></svg>",
      size, path);
}

ReceiptDocument receipt_document(const Catalogue& catalogue, std::string_view language,
                                 const config::Service& service, std::string tracking_code,
                                 std::string_view kiosk_id,
                                 std::chrono::system_clock::time_point issued) {
  ReceiptDocument r;
  r.language = std::string(language);
  r.title = catalogue.text("receipt.title");
  r.code_label = catalogue.text("receipt.code");
  r.code = std::move(tracking_code);
  if (service.fee > 0) {
    r.paragraphs.push_back(catalogue.text(
        "receipt.fee", {{"amount", fmt::format("{:.2f} {}", service.fee, service.currency)}}));
    r.paragraphs.push_back(catalogue.text("receipt.pay"));
  } else {
    r.paragraphs.push_back(catalogue.text("receipt.no_fee"));
  }
  r.paragraphs.push_back(
      service.processing_days > 0
          ? catalogue.text("receipt.collect", {{"days", std::to_string(service.processing_days)}})
          : catalogue.text("receipt.collect_later"));
  r.footer = fmt::format("{} · {}", kiosk_id, utc_text(issued));
  return r;
}

std::expected<std::string, std::string> receipt_pdf(const ReceiptDocument& receipt) {
  const QrCode code = qr_code(receipt.code);
  if (!code) return std::unexpected(std::string("the tracking code cannot be put in a QR code"));
  constexpr double kWidth = 80 * kPointsPerMm, kMargin = 5 * kPointsPerMm, kGap = 3 * kPointsPerMm;
  constexpr double kQrSide = 32 * kPointsPerMm;
  const double text_width = kWidth - 2 * kMargin;

  std::string pdf;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_pdf_surface_create_for_stream(append, &pdf, kWidth, kWidth), &cairo_surface_destroy);
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, receipt.title.c_str());
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()),
                                                        &cairo_destroy);

  // Laid out first, to know the page's length; drawn after the page is given it.
  std::vector<std::pair<Layout, double>> above;  // each with the gap after it
  above.emplace_back(
      paragraph(cr.get(), receipt.title, "DejaVu Sans Bold 12", receipt.language, text_width, true),
      kGap);
  above.emplace_back(
      paragraph(cr.get(), receipt.code_label, "DejaVu Sans 9", receipt.language, text_width, true),
      1);
  // The code reads left to right in every language.
  above.emplace_back(paragraph(cr.get(), "\u2066" + receipt.code + "\u2069",
                               "DejaVu Sans Mono Bold 15", "en", text_width, true),
                     kGap);
  std::vector<Layout> below;
  for (const auto& p : receipt.paragraphs)
    below.push_back(paragraph(cr.get(), p, "DejaVu Sans 9", receipt.language, text_width, false));
  Layout footer = paragraph(cr.get(), receipt.footer, "DejaVu Sans 7", "en", text_width, true);

  double height = kMargin;
  for (const auto& [layout, gap] : above) height += height_of(layout) + gap;
  height += kQrSide + kGap;
  for (const auto& layout : below) height += height_of(layout) + kGap;
  height += height_of(footer) + kMargin;
  cairo_pdf_surface_set_size(surface.get(), kWidth, height);

  double y = kMargin;
  const auto draw = [&](const Layout& layout, double gap) {
    cairo_move_to(cr.get(), kMargin, y);
    pango_cairo_show_layout(cr.get(), layout.get());
    y += height_of(layout) + gap;
  };
  cairo_set_source_rgb(cr.get(), 0, 0, 0);
  for (const auto& [layout, gap] : above) draw(layout, gap);
  const double module = kQrSide / (code->width + 2 * kQuietModules);
  const double qr_left = (kWidth - kQrSide) / 2;
  for (int row = 0; row < code->width; ++row) {
    for (int col = 0; col < code->width; ++col) {
      if (code->data[row * code->width + col] & 1) {
        cairo_rectangle(cr.get(), qr_left + (col + kQuietModules) * module,
                        y + (row + kQuietModules) * module, module, module);
      }
    }
  }
  cairo_fill(cr.get());
  y += kQrSide + kGap;
  for (const auto& layout : below) draw(layout, kGap);
  draw(footer, 0);

  cairo_show_page(cr.get());
  cr.reset();
  cairo_surface_finish(surface.get());
  if (const auto status = cairo_surface_status(surface.get()); status != CAIRO_STATUS_SUCCESS) {
    return std::unexpected(std::string("the receipt cannot be drawn: ") +
                           cairo_status_to_string(status));
  }
  surface.reset();
  return pdf;
}

}  // namespace kiosk::ui
