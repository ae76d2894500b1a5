// The receipt's QR code; see receipt.hpp.
#include "kiosk/ui/receipt.hpp"

#include <qrencode.h>

#include <memory>

#include <fmt/format.h>

namespace kiosk::ui {

std::expected<std::string, std::string> qr_svg(std::string_view text) {
  const std::string input(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!code) return std::unexpected(std::string("the text cannot be put in a QR code"));
  constexpr int kQuiet = 4;
  const int size = code->width + 2 * kQuiet;
  std::string path;
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (code->data[y * code->width + x] & 1) path += fmt::format("M{} {}h1v1h-1z", x + kQuiet, y + kQuiet);
    }
  }
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {0}\" shape-rendering=\"crispEdges\">"
      "<rect width=\"{0}\" height=\"{0}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{1}\"/></svg>",
      size, path);
}

}  // namespace kiosk::ui
