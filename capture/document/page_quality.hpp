// Is a scanned supporting paper good enough to send? Five checks, each a measured figure against a
// limit, each with the prompt that tells the applicant what to do: blank (the wrong side, an empty
// sheet), cut off (part of the page lay outside the glass), askew, glare (glossy paper threw the
// lamp back), blurred (the paper moved or did not lie flat). A page only a little askew is
// straightened instead of refused.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "capture/document/scan_prompt.hpp"

namespace kiosk::document {

struct PageQualityLimits {
  double min_ink_share = 0.0005;   // below: blank (0.05 % of the page; a signature alone is more)
  double max_edge_ink_share = 0.01;  // ink along an edge's outer 1.5 mm, as a share of its length
  double max_skew_deg = 5;           // beyond: lay it straight; within: straightened here
  double max_glare_share = 0.004;    // clipped-white area brighter than the paper, of the page
  double max_edge_width_mm = 0.30;   // how wide a text edge's ramp is: sharp print is about 0.17
};

struct PageQuality {
  double ink_share = 0;
  double edge_ink_share = 0;  // the worst edge
  double skew_deg = 0;        // the text lines' angle, counter-clockwise
  double glare_share = 0;
  double edge_width_mm = 0;   // 0 when the page holds too little text to judge
  std::vector<ScanPrompt> failures;  // in the order the applicant should put them right
  std::optional<ScanPrompt> prompt() const {
    return failures.empty() ? std::nullopt : std::optional(failures.front());
  }
};

// `page`: BGR or grey, 8 bits; `dpi`: its resolution (100 to 1200).
PageQuality assess_page(const cv::Mat& page, double dpi, const PageQualityLimits& limits = {});

// The page turned by -skew_deg about its centre, the corners filled with the paper's tone; the
// page itself when the skew is under a tenth of a degree.
cv::Mat straighten(const cv::Mat& page, double skew_deg);

}  // namespace kiosk::document
