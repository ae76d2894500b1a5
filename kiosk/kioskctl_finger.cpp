// `kioskctl finger record` writes a ten-print transaction from image files; `kioskctl finger
// quality` scores fingerprint images and says what the applicant would be told.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "capture/an2k/transaction.hpp"
#include "capture/finger/iso_finger_record.hpp"
#include "capture/image_file.hpp"
#include "capture/finger/quality.hpp"
#include "capture/finger/ten_print_record.hpp"
#include "config/config.hpp"
#include "config/number_text.hpp"
#include "drivers/fingerprint/fingerprint_reader.hpp"
#include "kiosk/kioskctl.hpp"

namespace kiosk::ctl {
namespace {

// Splits "N=VALUE" into the finger position and the value.
bool position_and_value(const std::string& arg, int& position, std::string& value) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  const auto number = parse_integer(std::string_view(arg).substr(0, eq), -1000, 1000);
  if (!number) return false;
  position = static_cast<int>(*number);  // out of 1..10: the record says which and why
  value = arg.substr(eq + 1);
  return !value.empty();
}

}  // namespace

int finger_record(int argc, char** argv) {
  std::string out;
  std::string format = "an2k";
  int ppi = 500;
  kiosk::finger::TransactionInfo info;
  info.originating_agency = "KIOSK";
  info.control_number = "TECH-" + std::to_string(::getpid());
  std::vector<kiosk::finger::FingerImage> fingers;
  std::vector<kiosk::finger::MissingFinger> missing;
  for (int i = 3; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "kioskctl: %s needs a value\n%s", option.c_str(), kUsage);
      return 2;
    }
    const std::string value = argv[++i];
    int position = 0;
    std::string what;
    if (option == "--out") {
      out = value;
    } else if (option == "--format" && (value == "an2k" || value == "iso")) {
      format = value;
    } else if (option == "--ppi" && parse_integer(value, 250, 2000)) {
      ppi = static_cast<int>(*parse_integer(value, 250, 2000));
    } else if (option == "--ori") {
      info.originating_agency = value;
    } else if (option == "--dai") {
      info.destination_agency = value;
    } else if (option == "--tcn") {
      info.control_number = value;
    } else if (option == "--finger" && position_and_value(value, position, what)) {
      auto grey = capture::read_image(what, cv::IMREAD_GRAYSCALE);
      if (!grey) {
        std::fprintf(stderr, "kioskctl: %s\n", grey.error().c_str());
        return 1;
      }
      fingers.push_back({position, *grey, ppi, -1});
    } else if (option == "--missing" && position_and_value(value, position, what) &&
               (what == "XX" || what == "UP")) {
      missing.push_back({position, what == "XX" ? kiosk::finger::MissingCode::kAmputated
                                                : kiosk::finger::MissingCode::kUnableToPrint});
    } else {
      std::fprintf(stderr, "kioskctl: cannot use %s %s\n%s", option.c_str(), value.c_str(), kUsage);
      return 2;
    }
  }
  if (out.empty() || (fingers.empty() && missing.empty())) {
    std::fprintf(stderr, "kioskctl: --out and at least one --finger or --missing are needed\n%s",
                 kUsage);
    return 2;
  }
  for (auto& f : fingers) f.pixels_per_inch = ppi;
  std::expected<std::string, std::string> bytes;
  if (format == "iso") {
    // ISO/IEC 19794-4 has no place for a missing finger: those are left out.
    bytes = kiosk::finger::iso_finger_record(fingers, std::chrono::system_clock::now());
  } else {
    const auto transaction = kiosk::finger::ten_print_transaction(info, fingers, missing);
    bytes = transaction ? kiosk::an2k::encode(*transaction)
                        : std::unexpected(transaction.error());
  }
  if (!bytes) {
    std::fprintf(stderr, "kioskctl: %s\n", bytes.error().c_str());
    return 1;
  }
  // Written beside the target and renamed, so a full disk never leaves half a file under its name.
  const std::string partial = out + ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    file.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!file.flush()) {
      std::fprintf(stderr, "kioskctl: cannot write %s\n", out.c_str());
      std::filesystem::remove(partial);
      return 1;
    }
  }
  std::filesystem::rename(partial, out);
  std::printf("%s: %zu fingers, %zu missing, %zu bytes\n", out.c_str(), fingers.size(),
              missing.size(), bytes->size());
  return 0;
}

namespace {

struct QualityOptions {
  bool json = false;
  double ppi = 500;
  int threshold = 30;
  std::vector<std::string> images;
};

nlohmann::json to_json(const std::string& file, const finger::QualityReport& r, int threshold) {
  const finger::QualityMeasures& m = r.measures;
  nlohmann::json out = {
      {"file", file},
      {"score", r.score},
      {"threshold", threshold},
      {"accepted", r.score >= threshold},
      {"feedback", finger::to_string(r.feedback(threshold))},
      {"measures",
       {{"foreground_mm2", m.foreground_mm2},
        {"centre_offset", m.centre_offset},
        {"orientation_certainty", m.orientation_certainty},
        {"local_clarity", m.local_clarity},
        {"frequency_domain", m.frequency_domain},
        {"ridge_valley_uniformity", m.ridge_valley_uniformity},
        {"ridge_amplitude", m.ridge_amplitude},
        {"foreground_mean_grey", m.foreground_mean_grey}}}};
  if (m.minutiae) out["measures"]["minutiae"] = *m.minutiae;
  return out;
}

void report_error(const QualityOptions& options, const std::string& file, const std::string& why) {
  if (options.json) {
    std::printf("%s\n", nlohmann::json{{"file", file}, {"error", why}}.dump().c_str());
  } else {
    std::fprintf(stderr, "kioskctl: %s: %s\n", file.c_str(), why.c_str());
  }
}

}  // namespace

int finger_quality(int argc, char** argv) {
  QualityOptions options;
  for (int i = 3; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    try {
      if (arg == "--json") {
        options.json = true;
      } else if (arg == "--ppi" && has_value) {
        options.ppi = parse_number(argv[++i], 250, 2000).value();
      } else if (arg == "--finger" && has_value) {
        const auto position = parse_integer(argv[++i], 1, 10).value();
        options.threshold = config::FingerprintRules{}.min_quality_for(static_cast<int>(position));
      } else if (arg == "--threshold" && has_value) {
        options.threshold = static_cast<int>(parse_integer(argv[++i], 0, 100).value());
      } else if (arg.starts_with("--")) {
        std::fprintf(stderr, "kioskctl: unknown option %s\n%s", argv[i], kUsage);
        return 2;
      } else {
        options.images.emplace_back(arg);
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "kioskctl: %s wants %s\n", std::string(arg).c_str(),
                   arg == "--ppi"      ? "a resolution from 250 to 2000"
                   : arg == "--finger" ? "a finger position from 1 to 10"
                                       : "a score from 0 to 100");
      return 2;
    }
  }
  if (options.images.empty()) {
    std::fprintf(stderr, "kioskctl: finger quality needs at least one image\n%s", kUsage);
    return 2;
  }
  int failures = 0;
  for (const std::string& file : options.images) {
    const auto read = capture::read_image(file, cv::IMREAD_GRAYSCALE);
    if (!read) {
      report_error(options, file, read.error().substr(file.size() + 2));
      ++failures;
      continue;
    }
    const cv::Mat& grey = *read;
    const drivers::Image image{grey.cols, grey.rows, 1, options.ppi,
                               std::vector<std::uint8_t>(grey.datastart, grey.dataend)};
    const auto minutiae = drivers::detect_minutiae(image);
    if (!minutiae) {
      report_error(options, file, minutiae.error().message());
      ++failures;
      continue;
    }
    const finger::QualityReport report =
        finger::assess_quality(grey, options.ppi, static_cast<int>(minutiae->size()));
    if (options.json) {
      std::printf("%s\n", to_json(file, report, options.threshold).dump().c_str());
      continue;
    }
    const finger::QualityMeasures& m = report.measures;
    std::printf("%s: quality %d of 100, %s (threshold %d): %s\n", file.c_str(), report.score,
                report.score >= options.threshold ? "accepted" : "retry", options.threshold,
                std::string(finger::to_string(report.feedback(options.threshold))).c_str());
    std::printf("  minutiae %d, ridge area %.0f mm2, off centre %.2f, orientation certainty %.2f,\n"
                "  local clarity %.2f, frequency domain %.2f, ridge-valley uniformity %.2f,\n"
                "  ridge amplitude %.1f grey levels, mean grey %.0f\n",
                m.minutiae.value_or(0), m.foreground_mm2, m.centre_offset,
                m.orientation_certainty, m.local_clarity, m.frequency_domain,
                m.ridge_valley_uniformity, m.ridge_amplitude, m.foreground_mean_grey);
  }
  return failures == 0 ? 0 : 1;
}
}  // namespace kiosk::ctl
