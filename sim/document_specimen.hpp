// Synthetic supporting papers (an invitation letter, an itinerary, a work permit notice...) as a
// scanner gives them: A4 at 300 dpi with a letterhead, paragraphs, a table, a signature and a
// coloured stamp, and the faults the kiosk must catch: blur, a glare spot off glossy paper, a
// page laid askew, a page partly off the glass, a blank sheet.
#pragma once

#include <cstdint>

#include <opencv2/core.hpp>

#include "sim/passport_specimen.hpp"

namespace kiosk::sim {

struct PaperFaults {
  ScanDefects scan;            // rotation, blur, noise, JPEG, uneven light (whole_platen unused)
  double glare = 0;            // 0..1: the share of the page's width a saturated spot covers
  double off_glass_mm = 0;     // the page pushed this far past the glass's right edge
  bool blank = false;          // an empty sheet
  double paper_tone = 238;     // the paper's grey level: off-white, as most scans see it
};

// A4 (2480 × 3508 px at 300 dpi), BGR. The same seed gives the same page.
cv::Mat render_paper(std::uint32_t seed, const PaperFaults& faults, const SpecimenFonts& fonts = {});

}  // namespace kiosk::sim
