// Synthetic travel documents at 300 dpi, as a scanner would give them: passport data pages (ICAO
// TD3, 125 × 88 mm), and the cards and visas of the two smaller formats (TD2, 105 × 74 mm; TD1,
// 85.6 × 54 mm, its zone of three lines on the same side for the test's sake). Each has a portrait,
// the printed fields, and a machine-readable zone in OCR-B (Debian's fonts-ocr-b) at ICAO's 2.54 mm
// pitch with correct check digits; random names (long ones cut as ICAO says), nationalities, dates
// and document numbers; and the perturbations of a real scan: a page not flat on the glass or seen
// at an angle (perspective), a glare streak of a laminate under the lamp, rotation, blur, noise,
// JPEG artefacts, uneven light, a page turned upside down.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/freetype.hpp>

#include "capture/document/mrz.hpp"

namespace kiosk::sim {

struct ScanDefects {
  // The page's plane turned this far out of the glass's (a page lifted on one side, or held up to
  // a camera), about an axis lying in the page at `tilt_axis_deg` (0: the page's vertical), seen
  // from 40 cm: the far side shrinks, so the characters' pitch and height change along the zone.
  double tilt_deg = 0;
  double tilt_axis_deg = 0;
  // 0..1: a streak of light across the zone (a laminate under the lamp) that lifts the ink this
  // far towards white at its middle: it greys the characters and never erases them below 1.
  double glare = 0;
  double rotation_deg = 0;   // up to ±5 on a real platen; the scan grows to hold the turned page
  double blur_sigma = 0;     // px
  double noise_sigma = 0;    // grey levels
  int jpeg_quality = 0;      // 0: no JPEG round trip
  double uneven_light = 0;   // 0..1: how much darker the far corner is
  bool upside_down = false;  // the page laid the wrong way round
  bool whole_platen = false;  // the whole A4 glass scanned (216 × 297 mm), the page anywhere on it
};

struct SpecimenFonts {
  std::filesystem::path ocr_b = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";
  std::filesystem::path text = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
};

struct Specimen {
  cv::Mat page;                    // BGR (TD3: 1476 × 1039 px straight), defects applied
  document::MrzFields fields;      // what the page says
  std::vector<std::string> mrz;    // the zone's lines as printed
  cv::Rect mrz_box;                // where the zone is on the undisturbed page
  cv::Rect portrait_box;
};

inline constexpr double kSpecimenDpi = 300;

// Applies a scan's defects to a 300 dpi page (BGR), in the order a scanner would cause them.
void apply_scan_defects(cv::Mat& page, const ScanDefects& defects, std::mt19937& rng);

// Loads a font for cv::freetype; throws std::runtime_error naming a missing file.
cv::Ptr<cv::freetype::FreeType2> load_font(const std::filesystem::path& file);

// The same seed and format give the same page. `portrait` (BGR) is scaled into the photo box; an
// empty one leaves a grey silhouette. Throws std::runtime_error when a font cannot be loaded.
Specimen render_specimen(document::MrzFormat format, std::uint32_t seed, const cv::Mat& portrait,
                         const ScanDefects& defects, const SpecimenFonts& fonts = {});
inline Specimen render_td3_specimen(std::uint32_t seed, const cv::Mat& portrait, const ScanDefects& defects,
                                    const SpecimenFonts& fonts = {}) {
  return render_specimen(document::MrzFormat::kTd3, seed, portrait, defects, fonts);
}

}  // namespace kiosk::sim
