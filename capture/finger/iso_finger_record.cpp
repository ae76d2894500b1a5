// ISO/IEC 19794-4:2011 finger image record writer; see iso_finger_record.hpp.
#include "capture/finger/iso_finger_record.hpp"

#include <cstdint>
#include <set>

#include <opencv2/imgcodecs.hpp>

namespace kiosk::finger {
namespace {

// The format's numbers are big-endian.
void put(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// ISO/IEC 19794-4:2011 table 2: "FIR\0" 4, "020\0" 4, record length 4, number of representations 2,
// certification flag 1, number of distinct finger/palm positions 1.
constexpr int kGeneralHeader = 16;
constexpr int kScaleUnitsPpi = 1;
constexpr int kCompressionPng = 6;
constexpr int kImpressionLiveScanPlain = 0;
constexpr std::uint16_t kQualityVendorUnregistered = 0xFFFF;  // as FQM in the ANSI/NIST record
constexpr std::uint16_t kQualityAlgorithm = 1;

}  // namespace

std::expected<std::string, std::string> iso_finger_record(
    const std::vector<FingerImage>& fingers, std::chrono::system_clock::time_point captured) {
  std::set<int> seen;
  std::string body;
  const auto day = std::chrono::floor<std::chrono::days>(captured);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(
      std::chrono::duration_cast<std::chrono::milliseconds>(captured - day));
  for (const FingerImage& f : fingers) {
    if (f.position < kFirstFinger || f.position > kLastFinger) {
      return std::unexpected("finger position " + std::to_string(f.position) + " is not 1..10");
    }
    if (!seen.insert(f.position).second) {
      return std::unexpected("finger " + std::to_string(f.position) + " is given twice");
    }
    if (f.grey.type() != CV_8UC1 || f.grey.empty() || f.grey.cols > 0xFFFF || f.grey.rows > 0xFFFF) {
      return std::unexpected("finger " + std::to_string(f.position) +
                             ": not an 8-bit grey image of at most 65535 x 65535 pixels");
    }
    std::vector<std::uint8_t> png;
    if (!cv::imencode(".png", f.grey, png)) {
      return std::unexpected("finger " + std::to_string(f.position) + ": PNG encoding failed");
    }
    std::string r;
    put(r, static_cast<int>(date.year()), 2);  // capture date and time (UTC)
    put(r, static_cast<unsigned>(date.month()), 1);
    put(r, static_cast<unsigned>(date.day()), 1);
    put(r, static_cast<std::uint64_t>(time.hours().count()), 1);
    put(r, static_cast<std::uint64_t>(time.minutes().count()), 1);
    put(r, static_cast<std::uint64_t>(time.seconds().count()), 1);
    put(r, static_cast<std::uint64_t>(time.subseconds().count()), 2);
    put(r, 0, 1);  // capture device technology: unknown
    put(r, 0, 2);  // capture device vendor: not reported
    put(r, 0, 2);  // capture device type: not reported
    if (f.quality >= 0) {
      put(r, 1, 1);  // one quality block
      put(r, static_cast<std::uint64_t>(f.quality), 1);
      put(r, kQualityVendorUnregistered, 2);
      put(r, kQualityAlgorithm, 2);
    } else {
      put(r, 0, 1);
    }
    put(r, static_cast<std::uint64_t>(f.position), 1);
    put(r, 1, 1);  // representation number
    put(r, kScaleUnitsPpi, 1);
    for (int i = 0; i < 4; ++i) put(r, static_cast<std::uint64_t>(f.pixels_per_inch), 2);  // scan h/v, image h/v
    put(r, 8, 1);  // bit depth
    put(r, kCompressionPng, 1);
    put(r, kImpressionLiveScanPlain, 1);
    put(r, static_cast<std::uint64_t>(f.grey.cols), 2);
    put(r, static_cast<std::uint64_t>(f.grey.rows), 2);
    put(r, png.size(), 4);
    r.append(png.begin(), png.end());
    put(body, r.size() + 4, 4);  // representation length, itself included
    body += r;
  }
  std::string out("FIR\0" "020\0", 8);
  put(out, kGeneralHeader + body.size(), 4);
  put(out, fingers.size(), 2);
  put(out, 0, 1);  // certification flag: no certification blocks
  put(out, seen.size(), 1);  // distinct finger positions
  return out + body;
}

}  // namespace kiosk::finger
