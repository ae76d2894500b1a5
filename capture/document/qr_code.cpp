// A QR code in a picture; see qr_code.hpp.
#define ZX_USE_UTF8 1  // Result::text() as UTF-8 (ZXing-cpp 1.4 otherwise gives a wide string)
#include "capture/document/qr_code.hpp"

#include <ZXing/ReadBarcode.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace kiosk::document {

std::optional<std::string> read_qr_code(const cv::Mat& image) {
  if (image.empty() || image.depth() != CV_8U) return std::nullopt;
  cv::Mat grey;
  if (image.channels() == 3) {
    cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);  // the order of the colours does not matter here
  } else if (image.channels() == 1) {
    grey = image.isContinuous() ? image : image.clone();
  } else {
    return std::nullopt;
  }
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode).setTryHarder(true).setTryRotate(true);
  // A camera's preview is often mirrored: ZXing reads a mirrored QR code too (isMirrored).
  const ZXing::ImageView view(grey.data, grey.cols, grey.rows, ZXing::ImageFormat::Lum, static_cast<int>(grey.step));
  const ZXing::Result result = ZXing::ReadBarcode(view, hints);
  if (!result.isValid()) return std::nullopt;
  return result.text();
}

}  // namespace kiosk::document
