// Page and video generators for the simulated scanner and camera.
#include "sim/media.hpp"

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

namespace kiosk::sim {

cv::Mat render_test_page(int width, int height, std::uint32_t seed) {
  std::mt19937 rng(seed);
  cv::Mat page(height, width, CV_8UC3, cv::Scalar(250, 250, 250));
  const double scale = width / 1000.0;
  const auto ink = cv::Scalar(40, 30, 20);
  cv::putText(page, "SIMULATED DOCUMENT", cv::Point(int(40 * scale), int(80 * scale)),
              cv::FONT_HERSHEY_DUPLEX, 1.6 * scale, ink, std::max(1, int(2 * scale)), cv::LINE_AA);
  cv::rectangle(page, cv::Rect(int(40 * scale), int(120 * scale), int(260 * scale), int(330 * scale)),
                cv::Scalar(180, 170, 160), cv::FILLED);
  std::uniform_int_distribution<int> word(3, 9);
  std::uniform_int_distribution<int> letter('A', 'Z');
  for (int line = 0; line * 50 * scale + 150 * scale < height - 40 * scale && line < 30; ++line) {
    std::string text;
    while (text.size() < 24) {
      for (int n = word(rng); n > 0; --n) text += static_cast<char>(letter(rng));
      text += ' ';
    }
    cv::putText(page, text, cv::Point(int(340 * scale), int((150 + 50 * line) * scale)),
                cv::FONT_HERSHEY_SIMPLEX, 0.9 * scale, ink, std::max(1, int(1.5 * scale)),
                cv::LINE_AA);
  }
  return page;
}

void write_mjpeg_video(const std::filesystem::path& file, int count, double fps,
                       const std::function<cv::Mat(int)>& frame) {
  if (count <= 0) throw std::runtime_error("a video needs at least one frame");
  const cv::Mat first = frame(0);
  std::filesystem::create_directories(file.parent_path());
  cv::VideoWriter writer(file.string(), cv::CAP_OPENCV_MJPEG,
                         cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, first.size());
  if (!writer.isOpened()) throw std::runtime_error("cannot write video " + file.string());
  writer.write(first);
  for (int i = 1; i < count; ++i) writer.write(frame(i));
}

void write_face_video(const std::filesystem::path& portrait, const std::filesystem::path& file,
                      cv::Size size, double fps, double seconds) {
  const cv::Mat face = cv::imread(portrait.string(), cv::IMREAD_COLOR);
  if (face.empty()) {
    throw std::runtime_error("face source " + portrait.string() +
                             " is missing or not an image (tools/fetch-face-source makes it)");
  }
  const int count = std::max(1, static_cast<int>(std::lround(fps * seconds)));
  write_mjpeg_video(file, count, fps, [&](int i) {
    const double t = i / fps;
    // Sway a few pixels and breathe a percent, as a person standing still does.
    const double zoom = 1.0 + 0.01 * std::sin(2 * std::numbers::pi * 0.3 * t);
    const double dx = 6.0 * std::sin(2 * std::numbers::pi * 0.2 * t);
    const double dy = 3.0 * std::sin(2 * std::numbers::pi * 0.25 * t + 1.0);
    const double fit = std::min(double(size.width) / face.cols, double(size.height) / face.rows);
    cv::Mat m = (cv::Mat_<double>(2, 3) << fit * zoom, 0,
                 0.5 * (size.width - face.cols * fit * zoom) + dx, 0, fit * zoom,
                 0.5 * (size.height - face.rows * fit * zoom) + dy);
    cv::Mat out;
    cv::warpAffine(face, out, m, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar(235, 235, 235));
    return out;
  });
}

}  // namespace kiosk::sim
