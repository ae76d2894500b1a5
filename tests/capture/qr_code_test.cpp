// The receipt's QR code read back as the status lookup reads it from the camera: the printed
// receipt (libqrencode's code, drawn by cairo) rasterised by poppler's pdftoppm, then held up as a
// hand would hold it (smaller, turned, tilted, blurred, mirrored as a preview is, on a dark room);
// a picture with no code and a damaged code give nothing, not a wrong code.
#include "capture/document/qr_code.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "kiosk/ui/receipt.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::document {
namespace {

// The printed receipt for `code`, as pdftoppm rasterises it at 150 dpi (grey).
cv::Mat printed_receipt(const std::string& code) {
  auto catalogue = ui::Catalogue::load(std::filesystem::path(KIOSK_SOURCE_DIR) / "kiosk/messages", "en");
  EXPECT_TRUE(catalogue);
  config::Service service;
  service.id = "visa-l";
  auto pdf = ui::receipt_pdf(ui::receipt_document(*catalogue, "en", service, code, "KIOSK-7", {}));
  EXPECT_TRUE(pdf) << pdf.error();
  testing::ScratchDir dir;
  std::ofstream(dir / "receipt.pdf", std::ios::binary) << *pdf;
  const auto made = testing::run_program("pdftoppm -gray -r 150 -png -singlefile " + (dir / "receipt.pdf").string() + " " +
                                         (dir / "receipt").string());
  EXPECT_EQ(made.exit_code, 0) << made.output;
  return cv::imread((dir / "receipt.png").string(), cv::IMREAD_GRAYSCALE);
}

// `paper` held up to a 1280×720 camera: scaled to `height` px, turned by `degrees`, on a dark room.
cv::Mat held_up(const cv::Mat& paper, int height, double degrees) {
  cv::Mat small;
  cv::resize(paper, small, cv::Size(paper.cols * height / paper.rows, height), 0, 0, cv::INTER_AREA);
  cv::Mat frame(720, 1280, CV_8UC1, cv::Scalar(40));
  small.copyTo(frame(cv::Rect((1280 - small.cols) / 2, (720 - small.rows) / 2, small.cols, small.rows)));
  const cv::Mat turn = cv::getRotationMatrix2D(cv::Point2f(640, 360), degrees, 1.0);
  cv::Mat turned;
  cv::warpAffine(frame, turned, turn, frame.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(40));
  cv::GaussianBlur(turned, turned, cv::Size(3, 3), 0.8);
  cv::Mat colour;
  cv::cvtColor(turned, colour, cv::COLOR_GRAY2BGR);
  return colour;
}

TEST(QrCode, ThePrintedReceiptsCodeReadsBackHeldUpToTheCamera) {
  const cv::Mat paper = printed_receipt("7KQ2-M9XD-4RTW");
  ASSERT_FALSE(paper.empty());
  EXPECT_EQ(read_qr_code(paper), "7KQ2-M9XD-4RTW") << "the receipt itself";
  const cv::Mat frame = held_up(paper, 640, 12);
  EXPECT_EQ(read_qr_code(frame), "7KQ2-M9XD-4RTW") << "held up, turned 12°";
  cv::Mat mirrored;
  cv::flip(frame, mirrored, 1);
  EXPECT_EQ(read_qr_code(mirrored), "7KQ2-M9XD-4RTW") << "as a mirrored preview shows it";
}

TEST(QrCode, NoCodeOrADamagedOneGivesNothing) {
  EXPECT_EQ(read_qr_code(cv::Mat(720, 1280, CV_8UC3, cv::Scalar(200, 180, 160))), std::nullopt);
  EXPECT_EQ(read_qr_code(cv::Mat()), std::nullopt);
  EXPECT_EQ(read_qr_code(cv::Mat(10, 10, CV_16UC1, cv::Scalar(0))), std::nullopt);
  // Half the code covered by a thumb: more than error correction M recovers. (Where the code is,
  // OpenCV's own QR detector says.)
  const cv::Mat paper = printed_receipt("7KQ2-M9XD-4RTW");
  ASSERT_FALSE(paper.empty());
  std::vector<cv::Point2f> corners;
  ASSERT_TRUE(cv::QRCodeDetector().detect(paper, corners));
  const cv::Rect code = cv::boundingRect(corners);
  cv::Mat covered = paper.clone();
  covered(cv::Rect(code.x - 4, code.y + code.height / 2, code.width + 8, code.height / 2 + 4)).setTo(255);
  EXPECT_EQ(read_qr_code(covered), std::nullopt);
}

}  // namespace
}  // namespace kiosk::document
