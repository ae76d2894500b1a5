// Finds the machine-readable zone on a scanned page and reads it with a recogniser of our own for
// the 37 characters of OCR-B a zone may hold (A–Z, 0–9, <), trained from the OCR-B font Debian
// ships (fonts-ocr-b).
//
// How it reads: the zone's lines are found as long, thin, parallel runs of ink on a reduced copy
// of the page, wherever the page lies on the platen and whatever its format (TD1, TD2, TD3: the
// gaps joined at several reaches, a line cut by a glare streak continued by the ink on its axis),
// and cut out straightened (up to ±10°) at full resolution. Each line's cells are placed from the
// centres of its glyphs by least squares, a grid that may bend: a page not flat on the glass or
// seen at an angle has its characters come closer together towards its far end. Every cell is
// compared, by normalised correlation over small shifts, with templates rendered from the font at
// three stroke weights. ICAO fixes what each place may hold, so only digits are tried where dates
// and check digits stand and only letters in names and state codes. A page upside down is read
// the other way round: the orientation whose cells match better wins.
//
// Each character carries its margin over the best other character. Check digits catch a misread
// number; nothing catches a misread name, so read_data_page refuses a zone whose names, codes or
// sex hold a character it is unsure of; a faint character (greyed by glare) and its neighbours
// must be twice as sure.
#pragma once

#include <array>
#include <chrono>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "capture/document/mrz.hpp"

namespace kiosk::document {

struct ZoneReading {
  std::vector<std::string> lines;         // as recognised, before any check-digit correction
  std::vector<std::vector<float>> scores;  // per character: correlation with its template, 0..1
  std::vector<std::vector<float>> margins;  // per character: score less the best other character's
  std::vector<std::string> runners_up;      // per character: that best other character
  // per character: its ink's strength against the line's usual (1: as dark as most); a glare
  // streak leaves the characters under it faint
  std::vector<std::vector<float>> contrasts;
  double perspective = 0;  // how much the character pitch changes from one end of a line to the other, 0.05: 5 %
  double skew_deg = 0;       // how far the zone was turned on the scan (counter-clockwise)
  bool upside_down = false;  // the page lay the wrong way round
  double pitch_px = 0;       // character pitch on the scan: 2.54 mm, so it tells the resolution
  std::array<cv::Point2f, 4> corners{};  // the zone on the scan, clockwise from its top left
};

// Why a page yields no reading, so the applicant can be told what to do about it.
struct ZoneProblem {
  enum class Kind {
    kBadScan,     // not an image the reader takes (empty, a sample format it does not know)
    kNotFound,    // no zone on the page: the wrong page, or nothing on the glass
    kAskew,       // the page lies more than 10° askew
    kUnreadable,  // found, but not read with certainty, or its check digits do not hold
    // Found, not read, and what kept it from being read is plain:
    kGlare,    // characters greyed by light reflected off the page (a laminate under the lamp)
    kNotFlat,  // the page bends away from the glass: the characters shrink towards one end
  };
  Kind kind = Kind::kUnreadable;
  std::string detail;  // for the technician: which step failed, never the zone's text
};

class MrzReader {
 public:
  // Renders the templates; the error names a font that cannot be loaded.
  static std::expected<MrzReader, std::string> load(
      const std::filesystem::path& ocr_b_font = "/usr/share/fonts/opentype/ocr-b/OCRB.otf");

  // `page`: BGR or grey, 200 dpi or more.
  std::expected<ZoneReading, ZoneProblem> read(const cv::Mat& page) const;

  struct Templates {
    std::string characters;  // the character of each template: several per character
    cv::Mat shapes;          // CV_32F, one template a column, each of zero mean and unit length
  };

 private:
  explicit MrzReader(Templates templates) : templates_(std::move(templates)) {}
  Templates templates_;
};

// A character the recogniser is less sure of than this (its margin over the next best) may not
// stand where no check digit would catch it.
inline constexpr float kMinMargin = 0.06f;

struct PageReading {
  ZoneReading zone;
  MrzFields fields;
};

// Reads and parses the zone of a data page. Never silently wrong: a zone whose check digits do not
// hold after correction, or whose names, codes or sex hold an unsure character, is an error that
// asks for the page to be scanned again, naming the cause where it is plain: faint characters
// (glare) first, as they are what the applicant sees least, then a page that is not flat.
std::expected<PageReading, ZoneProblem> read_data_page(const MrzReader& reader, const cv::Mat& page,
                                                       std::chrono::year_month_day today);

// What read_data_page makes of a reading already taken with MrzReader::read.
std::expected<PageReading, ZoneProblem> check_zone(std::expected<ZoneReading, ZoneProblem> zone,
                                                   std::chrono::year_month_day today);

}  // namespace kiosk::document
