// What an applicant at the scanner is asked to do when a scan is not taken, for the data page and
// for supporting papers alike. Each prompt has an id, the key of its text in the UI's message
// catalogues; the technician's detail travels beside it, never shown to the applicant.
#pragma once

#include <string_view>

#include "drivers/problem.hpp"

namespace kiosk::document {

enum class ScanPrompt {
  // The applicant can put these right.
  kPlaceDataPage,      // nothing readable on the glass: lay the passport open at the photo page
  kStraightenPage,     // the page lies too far askew
  kScanAgain,          // the zone was found but not read with certainty
  kDataPageGlare,      // the zone was found, greyed by light reflected off the page
  kFlattenPage,        // the zone was found, the page bending away from the glass
  kCloseCover,         // the scanner's lid is open
  kClearPaperJam,      // paper jammed in the feeder
  kLoadFeeder,         // the feeder is empty
  kPageBlurred,        // a supporting paper came out blurred (moved, or not flat)
  kPageGlare,          // a glossy paper reflected the lamp
  kPageCutOff,         // part of the paper lay outside the glass
  kPageBlank,          // nothing on the page: the wrong side, or an empty sheet
  kTooManyPages,       // more pages than the paper may have
  // The document itself does not qualify; the applicant is told why, with the dates.
  kDocumentNotAccepted,  // this kind of travel document is not taken for the service
  kDocumentExpired,
  kValidityTooShort,  // it expires too soon after the application date
  // Not the applicant's to fix: a technician has been called.
  kScannerUnavailable,
  kFileRuleNotMet,  // the paper cannot be written within its file rule
  kCancelled,       // stays last: the UI's message catalogues are checked up to it
};

// "scan.place_data_page", "passport.expired", ...: the message key.
std::string_view prompt_id(ScanPrompt prompt);

// The prompt a failed scan becomes: cover open, jam and an empty feeder are the applicant's to
// put right; any other device fault is a technician's.
ScanPrompt prompt_for(const drivers::Problem& problem);

}  // namespace kiosk::document
