// Scan prompts: their message keys, and what each scanner problem asks of the applicant.
#include "capture/document/scan_prompt.hpp"

namespace kiosk::document {

std::string_view prompt_id(ScanPrompt prompt) {
  switch (prompt) {
    case ScanPrompt::kPlaceDataPage: return "scan.place_data_page";
    case ScanPrompt::kStraightenPage: return "scan.straighten_page";
    case ScanPrompt::kScanAgain: return "scan.scan_again";
    case ScanPrompt::kDataPageGlare: return "scan.data_page_glare";
    case ScanPrompt::kFlattenPage: return "scan.flatten_page";
    case ScanPrompt::kCloseCover: return "scan.close_cover";
    case ScanPrompt::kClearPaperJam: return "scan.clear_paper_jam";
    case ScanPrompt::kLoadFeeder: return "scan.load_feeder";
    case ScanPrompt::kPageBlurred: return "scan.page_blurred";
    case ScanPrompt::kPageGlare: return "scan.page_glare";
    case ScanPrompt::kPageCutOff: return "scan.page_cut_off";
    case ScanPrompt::kPageBlank: return "scan.page_blank";
    case ScanPrompt::kTooManyPages: return "scan.too_many_pages";
    case ScanPrompt::kDocumentNotAccepted: return "passport.not_accepted";
    case ScanPrompt::kDocumentExpired: return "passport.expired";
    case ScanPrompt::kValidityTooShort: return "passport.validity_too_short";
    case ScanPrompt::kScannerUnavailable: return "scan.scanner_unavailable";
    case ScanPrompt::kFileRuleNotMet: return "scan.file_rule_not_met";
    case ScanPrompt::kCancelled: return "scan.cancelled";
  }
  return "scan.scanner_unavailable";
}

ScanPrompt prompt_for(const drivers::Problem& problem) {
  switch (problem.code) {
    case drivers::ProblemCode::kCoverOpen: return ScanPrompt::kCloseCover;
    case drivers::ProblemCode::kJammed: return ScanPrompt::kClearPaperJam;
    case drivers::ProblemCode::kNoDocuments: return ScanPrompt::kLoadFeeder;
    case drivers::ProblemCode::kCancelled: return ScanPrompt::kCancelled;
    default: return ScanPrompt::kScannerUnavailable;
  }
}

}  // namespace kiosk::document
