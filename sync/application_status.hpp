// Where an application stands, as the central office reports it to the kiosks: the states an
// applicant can look up with the tracking code on the receipt.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace kiosk::sync {

enum class ApplicationState {
  kOpen,                      // received, not yet looked at
  kUnderReviewAtMission,
  kProcessingAtMinistry,
  kAwaitingOtherAuthorities,
  kInPostToMission,
  kReadyForPickup,
  kCompleted,
  kAwaitingDocuments,         // the applicant must bring or send something
  kCancelled,
};

inline constexpr std::array<std::string_view, 9> kApplicationStates = {
    "open",           "under_review_at_mission", "processing_at_ministry",
    "awaiting_other_authorities", "in_post_to_mission", "ready_for_pickup",
    "completed",      "awaiting_documents",      "cancelled"};

// Stable identifiers for the wire, the database and the UI's message catalogues.
inline std::string_view to_string(ApplicationState s) {
  return kApplicationStates[static_cast<std::size_t>(s)];
}
inline std::optional<ApplicationState> application_state(std::string_view name) {
  for (std::size_t i = 0; i < kApplicationStates.size(); ++i) {
    if (kApplicationStates[i] == name) return static_cast<ApplicationState>(i);
  }
  return std::nullopt;
}

struct ApplicationStatus {
  std::string tracking_code;
  ApplicationState state = ApplicationState::kOpen;
  std::string updated_at;  // ISO 8601, UTC
};

}  // namespace kiosk::sync
