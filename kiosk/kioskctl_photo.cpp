// `kioskctl photo check IMAGE --spec NAME` judges a camera frame or a finished photo by a photo
// spec of the service catalogue; `kioskctl photo make IMAGE --spec NAME --out FILE.jpg` cuts the
// photo from a camera frame and writes it as the service takes it.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "capture/face/face_detector.hpp"
#include "capture/face/photo_file.hpp"
#include "capture/face/photo_rules.hpp"
#include "capture/image_file.hpp"
#include "kiosk/kioskctl.hpp"

namespace kiosk::ctl {
namespace {

struct Options {
  std::string image, spec, out, as, config_file = kDefaultConfig;
  bool json = false;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o.json = true;
    } else if (arg == "--spec" && has_value) {
      o.spec = argv[++i];
    } else if (arg == "--out" && has_value) {
      o.out = argv[++i];
    } else if (arg == "--as" && has_value) {
      o.as = argv[++i];
      if (o.as != "frame" && o.as != "photo") {
        std::fprintf(stderr, "kioskctl: --as wants frame or photo, not %s\n", o.as.c_str());
        return false;
      }
    } else if (arg == "--config" && has_value) {
      o.config_file = argv[++i];
    } else if (arg.rfind("--", 0) != 0 && o.image.empty()) {
      o.image = arg;
    } else {
      std::fprintf(stderr, "kioskctl: unexpected argument %s\n%s", arg.c_str(), kUsage);
      return false;
    }
  }
  if (o.image.empty() || o.spec.empty() || (std::string_view(argv[2]) == "make" && o.out.empty())) {
    std::fputs(kUsage, stderr);
    return false;
  }
  return true;
}

// A finished photo has the spec's proportions; anything else is taken for a camera frame.
face::Framing framing_of(const Options& o, const cv::Mat& image, const config::PhotoSpec& spec) {
  if (!o.as.empty()) return o.as == "photo" ? face::Framing::kFinishedPhoto : face::Framing::kCameraFrame;
  const double aspect = static_cast<double>(image.cols) / image.rows;
  const double wanted = static_cast<double>(spec.width_px) / spec.height_px;
  return std::abs(aspect / wanted - 1) < 0.01 ? face::Framing::kFinishedPhoto : face::Framing::kCameraFrame;
}

// What a finished photo's file must also be: a JPEG within the spec's size band.
void add_file_rules(const std::string& path, const config::PhotoSpec& spec, face::PhotoAnalysis& a) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool jpeg = bytes.size() > 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
                    static_cast<unsigned char>(bytes[1]) == 0xD8;
  a.rules.push_back({"file_is_jpeg", jpeg ? 1.0 : 0.0, 1, 1, true, jpeg});
  const double size = static_cast<double>(bytes.size());
  const double high = spec.max_bytes > 0 ? static_cast<double>(spec.max_bytes)
                                         : std::numeric_limits<double>::infinity();
  a.rules.push_back({"file_bytes", size, static_cast<double>(spec.min_bytes), high, true,
                     size >= static_cast<double>(spec.min_bytes) && size <= high});
}

bool all_passed(const face::PhotoAnalysis& a) {
  for (const auto& r : a.rules) {
    if (!r.passed) return false;
  }
  return a.passed();
}

nlohmann::json rules_json(const face::PhotoAnalysis& a) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : a.rules) {
    rules.push_back({{"id", r.id}, {"value", r.value}, {"low", r.low},
                     {"high", std::isfinite(r.high) ? nlohmann::json(r.high) : nlohmann::json()},
                     {"judged", r.judged}, {"passed", r.passed}});
  }
  return rules;
}

// A figure with as many decimals as its size deserves: 83412, 61.2, 0.427.
std::string fmt_number(double v) {
  char text[32];
  const int decimals = std::abs(v) >= 100 ? 0 : std::abs(v) >= 10 ? 1 : 3;
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

void print_rules(const face::PhotoAnalysis& a, bool failed_only) {
  for (const auto& r : a.rules) {
    if (failed_only && r.passed) continue;
    const std::string high = std::isfinite(r.high) ? fmt_number(r.high) : std::string("∞");
    std::printf("  %-24s %12s   %s .. %s   %s\n", r.id.c_str(), r.judged ? fmt_number(r.value).c_str() : "-",
                fmt_number(r.low).c_str(), high.c_str(),
                !r.judged ? "not judged" : r.passed ? "passes" : "FAILS");
  }
}

struct Loaded {
  config::Config config;
  const config::PhotoSpec* spec = nullptr;
  std::unique_ptr<face::FaceDetector> detector;
  cv::Mat image;
};

// The configuration, the spec, the detector and the image; exit code 1 after saying what is wrong.
int load(const Options& o, Loaded& l) {
  auto config = load_config(o.config_file);
  if (!config) return 1;
  l.config = std::move(*config);
  l.spec = l.config.services.photo_spec(o.spec);
  if (l.spec == nullptr) {
    std::string known;
    for (const auto& s : l.config.services.photo_specs) known += (known.empty() ? "" : ", ") + s.name;
    std::fprintf(stderr, "kioskctl: no photo spec \"%s\" in %s; it has: %s\n", o.spec.c_str(),
                 o.config_file.c_str(), known.empty() ? "none" : known.c_str());
    return 1;
  }
  auto detector = face::FaceDetector::load(l.config.face);
  if (!detector) {
    std::fprintf(stderr, "kioskctl: %s\n", detector.error().c_str());
    return 1;
  }
  l.detector = std::move(*detector);
  auto image = capture::read_image(o.image, cv::IMREAD_COLOR, {.max_pixels = l.config.kiosk.max_image_pixels});
  if (!image) {
    std::fprintf(stderr, "kioskctl: %s\n", image.error().c_str());
    return 1;
  }
  l.image = std::move(*image);
  return 0;
}

int check(const Options& o) {
  Loaded l;
  if (const int failed = load(o, l); failed != 0) return failed;
  const face::Framing framing = framing_of(o, l.image, *l.spec);
  face::PhotoAnalysis a = face::analyse_photo(l.image, *l.spec, *l.detector, framing);
  const bool photo = framing == face::Framing::kFinishedPhoto;
  if (photo) add_file_rules(o.image, *l.spec, a);
  const bool passed = all_passed(a);
  if (o.json) {
    nlohmann::json out = {{"image", o.image},  {"spec", l.spec->name},     {"as", photo ? "photo" : "frame"},
                          {"passed", passed},  {"faces", a.faces},         {"guidance", std::string(face::guidance_id(a.guidance))},
                          {"sharpness", a.sharpness}, {"rules", rules_json(a)}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s, judged as %s by spec \"%s\": %s\n", o.image.c_str(),
                photo ? "a finished photo" : "a camera frame", l.spec->name.c_str(), passed ? "passes" : "fails");
    std::printf("  faces %d; the applicant is told: %s\n", a.faces, std::string(face::guidance_id(a.guidance)).c_str());
    print_rules(a, false);
  }
  return passed ? 0 : 1;
}

int make(const Options& o) {
  Loaded l;
  if (const int failed = load(o, l); failed != 0) return failed;
  const face::PhotoAnalysis a = face::analyse_photo(l.image, *l.spec, *l.detector, face::Framing::kCameraFrame);
  if (!a.passed()) {
    std::fprintf(stderr, "kioskctl: no photo can be cut from %s by spec \"%s\"; the applicant would be told %s\n",
                 o.image.c_str(), l.spec->name.c_str(), std::string(face::guidance_id(a.guidance)).c_str());
    print_rules(a, true);
    return 1;
  }
  const cv::Mat cut = face::cut_photo(l.image, a, *l.spec);
  // What is written must itself pass as a finished photo.
  const face::PhotoAnalysis finished = face::analyse_photo(cut, *l.spec, *l.detector, face::Framing::kFinishedPhoto);
  if (!all_passed(finished)) {
    std::fprintf(stderr, "kioskctl: the photo cut from %s fails spec \"%s\" as a finished photo:\n", o.image.c_str(),
                 l.spec->name.c_str());
    print_rules(finished, true);
    return 1;
  }
  const auto file = face::encode_photo(cut, *l.spec);
  if (!file) {
    std::fprintf(stderr, "kioskctl: %s\n", file.error().c_str());
    return 1;
  }
  if (!write_output(o.out, file->jpeg)) return 1;
  if (o.json) {
    std::printf("%s\n", nlohmann::json{{"out", o.out}, {"spec", l.spec->name}, {"width_px", cut.cols},
                                       {"height_px", cut.rows}, {"bytes", file->jpeg.size()},
                                       {"jpeg_quality", file->quality}, {"rules", rules_json(finished)}}
                            .dump()
                            .c_str());
  } else {
    std::printf("%s: %d x %d px, %.1f KB at JPEG quality %d, meets spec \"%s\"\n", o.out.c_str(), cut.cols, cut.rows,
                file->jpeg.size() / 1024.0, file->quality, l.spec->name.c_str());
  }
  return 0;
}

}  // namespace

int photo(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  return std::string_view(argv[2]) == "check" ? check(o) : make(o);
}

}  // namespace kiosk::ctl
