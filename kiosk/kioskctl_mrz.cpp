// `kioskctl mrz IMAGE` reads the machine-readable zone of a scanned data page: the lines as
// recognised, every check digit, the fields, and why a page is refused.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "capture/document/mrz.hpp"
#include "capture/document/mrz_reader.hpp"
#include "capture/image_file.hpp"
#include "config/utc_text.hpp"
#include "kiosk/kioskctl.hpp"

namespace kiosk::ctl {
namespace {

using namespace std::chrono;

}  // namespace

int mrz(int argc, char** argv) {
  std::string image;
  bool json = false;
  year_month_day today = today_utc();
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--date" && i + 1 < argc) {
      int y = 0;
      unsigned m = 0, d = 0;
      if (std::sscanf(argv[++i], "%d-%u-%u", &y, &m, &d) != 3 || !(year(y) / month(m) / day(d)).ok()) {
        std::fprintf(stderr, "kioskctl: --date wants YYYY-MM-DD, not %s\n", argv[i]);
        return 2;
      }
      today = year(y) / month(m) / day(d);
    } else if (image.empty() && arg.rfind("--", 0) != 0) {
      image = arg;
    } else {
      std::fprintf(stderr, "kioskctl: unknown argument %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (image.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const auto file = capture::read_image(image, cv::IMREAD_COLOR);
  if (!file) {
    std::fprintf(stderr, "kioskctl: %s\n", file.error().c_str());
    return 1;
  }
  const cv::Mat& page = *file;
  const auto reader = document::MrzReader::load();
  if (!reader) {
    std::fprintf(stderr, "kioskctl: %s\n", reader.error().c_str());
    return 1;
  }
  const auto zone = reader->read(page);
  const auto read = document::check_zone(zone, today);  // a copy: the zone is printed below

  nlohmann::json out;
  out["image"] = image;
  out["accepted"] = read.has_value();
  if (!read) out["error"] = read.error().detail;
  if (zone) {
    out["lines"] = zone->lines;
    out["skew_deg"] = zone->skew_deg;
    out["upside_down"] = zone->upside_down;
    out["dpi"] = zone->pitch_px / 2.54 * 25.4;
    nlohmann::json least = nlohmann::json::array();
    for (const auto& margins : zone->margins) {
      least.push_back(margins.empty() ? 0.0f : *std::min_element(margins.begin(), margins.end()));
    }
    out["least_margin_per_line"] = least;
    // Each check digit as read, before any correction.
    nlohmann::json checks = nlohmann::json::array();
    if (zone->lines.size() >= 2) {
      for (const document::MrzCheckDigit& c : document::mrz_check_digits(zone->lines.front().size())) {
        std::string over;
        for (const auto& [line, from, length] : c.over) {
          over += zone->lines[static_cast<std::size_t>(line)].substr(static_cast<std::size_t>(from),
                                                                     static_cast<std::size_t>(length));
        }
        const char printed = zone->lines[static_cast<std::size_t>(c.line)][static_cast<std::size_t>(c.at)];
        const int computed = document::mrz_check_digit(over);
        // ICAO lets an empty optional-data field carry filler for its check digit.
        const bool empty = over.find_first_not_of('<') == std::string::npos;
        checks.push_back({{"field", std::string(c.field)},
                          {"printed", std::string(1, printed)},
                          {"computed", computed},
                          {"holds", printed == '0' + computed || (empty && printed == '<')}});
      }
    }
    out["check_digits"] = checks;
  }
  if (read) {
    const auto& f = read->fields;
    out["fields"] = {{"document_code", f.document_code},     {"issuing_state", f.issuing_state},
                     {"surname", f.surname},                 {"given_names", f.given_names},
                     {"document_number", f.document_number}, {"nationality", f.nationality},
                     {"date_of_birth", iso_date(f.date_of_birth)}, {"sex", f.sex},
                     {"date_of_expiry", iso_date(f.date_of_expiry)}, {"optional_data", f.optional_data},
                     {"corrections", f.corrections},         {"names_truncated", f.names_truncated}};
  }

  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return read ? 0 : 1;
  }
  if (zone) {
    std::printf("zone (skew %.1f°%s, about %.0f dpi):\n", zone->skew_deg, zone->upside_down ? ", page upside down" : "",
                out["dpi"].get<double>());
    for (const auto& line : zone->lines) std::printf("  %s\n", line.c_str());
    std::printf("check digits as read:\n");
    for (const auto& c : out["check_digits"]) {
      std::printf("  %-16s printed %s computed %d  %s\n", c["field"].get<std::string>().c_str(),
                  c["printed"].get<std::string>().c_str(), c["computed"].get<int>(),
                  c["holds"].get<bool>() ? "holds" : "DOES NOT HOLD");
    }
  }
  if (!read) {
    std::printf("refused: %s\n", read.error().detail.c_str());
    return 1;
  }
  std::printf("fields:\n");
  for (const auto& [key, value] : out["fields"].items()) {
    std::printf("  %-16s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
  }
  return 0;
}

}  // namespace kiosk::ctl
