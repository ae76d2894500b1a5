// Photo analysis of one 1280 x 720 camera frame, on one core: face and eyes, the cut, every photo
// rule and the instruction, beside a naive baseline that runs OpenCV's Haar face cascade on the
// full-resolution frame (and nothing else). Frames: both public-domain portraits in 8 scenes each
// (well framed, shifted, tilted, blurred, darker, a blue background, nearer, a second face), each
// unlike the last; then a live camera's frames (each person swaying a little for 24 frames), where
// the detector finds the eyes near where they were.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "bench_support.hpp"
#include "capture/face/face_detector.hpp"
#include "capture/face/photo_rules.hpp"
#include "config/config.hpp"
#include "sim/face_specimen.hpp"

using namespace kiosk;

int main() {
  bench::run_on_one_core();
  cv::setNumThreads(1);
  const auto catalogue = config::load_service_catalogue(KIOSK_SOURCE_DIR "/config/defaults/services.json");
  const config::PhotoSpec& spec = *catalogue.photo_spec("china-visa");
  auto detector = face::FaceDetector::load(config::FaceSection{});
  if (!detector) {
    std::fprintf(stderr, "%s\n", detector.error().c_str());
    return 1;
  }
  std::vector<sim::PersonCutout> people;
  for (const auto& known : sim::known_portraits(KIOSK_SOURCE_DIR "/var/public-data")) people.push_back(sim::cut_out(known));
  std::vector<cv::Mat> frames;
  for (const auto& person : people) {
    for (int variant = 0; variant < 8; ++variant) {
      sim::Scene s;
      if (variant == 1) s.face_at.x = 0.3;
      if (variant == 2) s.roll_deg = 5;
      if (variant == 3) s.blur_sigma = 2;
      if (variant == 4) s.exposure = 0.7;
      if (variant == 5) s.background = {190, 120, 60};
      if (variant == 6) s.head_height_px = 470;
      frames.push_back(variant == 7 ? sim::render_scene(person, s, &people[0], {0.85, 0.4}, 0.8)
                                    : sim::render_scene(person, s));
    }
  }
  // A live camera: each person standing still for 24 frames, swaying a few pixels and breathing
  // a percent, as the rig's camera video shows them.
  std::vector<cv::Mat> live;
  for (const auto& person : people) {
    for (int i = 0; i < 24; ++i) {
      sim::Scene s;
      s.face_at = {0.5 + 0.005 * std::sin(0.4 * i), 0.40 + 0.004 * std::sin(0.5 * i + 1)};
      s.head_height_px = 380 * (1 + 0.01 * std::sin(0.3 * i));  // a little room above the head
      live.push_back(sim::render_scene(person, s));
    }
  }
  cv::CascadeClassifier haar("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml");
  const auto time = [](auto&& work) {
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<double> ours, baseline, finding;
  int passed = 0;
  for (int round = 0; round < 3; ++round) {
    for (const cv::Mat& frame : frames) {
      face::PhotoAnalysis a;
      (*detector)->forget();  // each frame unlike the last: nothing to follow
      ours.push_back(time([&] { a = face::analyse_photo(frame, spec, **detector); }));
      if (round == 0 && a.passed()) ++passed;
      (*detector)->forget();
      finding.push_back(time([&] { (*detector)->find(frame); }));
      baseline.push_back(time([&] {
        cv::Mat grey;
        cv::cvtColor(frame, grey, cv::COLOR_BGR2GRAY);
        std::vector<cv::Rect> faces;
        haar.detectMultiScale(grey, faces, 1.1, 3, 0, {60, 60});
      }));
    }
  }
  std::vector<double> following;
  int live_passed = 0;
  for (int round = 0; round < 3; ++round) {
    (*detector)->forget();
    for (const cv::Mat& frame : live) {
      face::PhotoAnalysis a;
      following.push_back(time([&] { a = face::analyse_photo(frame, spec, **detector); }));
      if (round == 0 && a.passed()) ++live_passed;
    }
  }
  const double m_ours = bench::median(ours), m_base = bench::median(baseline);
  std::printf("photo analysis of a 1280 x 720 frame, one core, %zu frames x 3 rounds\n", frames.size());
  std::printf("  %-58s %8.1f ms\n", "Haar face cascade on the full frame (baseline)", m_base);
  std::printf("  %-58s %8.1f ms  (ratio %.2f)\n", "ours, each frame alone: faces, eyes, cut, rules, instruction", m_ours,
              m_ours / m_base);
  std::printf("  %-58s %8.1f ms\n", "of which finding the face and its eyes", bench::median(finding));
  std::printf("  %-58s %8.1f ms  (ratio %.2f)\n", "ours on a live camera (eyes looked for where they were)",
              bench::median(following), bench::median(following) / m_base);
  std::printf("  live frames that passed every rule: %d of %zu\n", live_passed, live.size());
  std::printf("  frames that passed every rule: %d of %zu\n", passed,
              frames.size());
  std::printf("  slowest frame: %.1f ms\n", *std::max_element(ours.begin(), ours.end()));
  return 0;
}
