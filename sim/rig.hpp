// Prepares the simulation rig that a configuration with simulation enabled points the real
// libraries at: SANE's configuration (pnm and test backends), a specimen passport on the glass for
// pnm to "scan", the camera's video, and fingerprints for the virtual finger.
#pragma once

#include <filesystem>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "config/config.hpp"

namespace kiosk::sim {

struct Rig {
  std::filesystem::path scanner_page;  // what the pnm backend reads
  // Scanner options the simulated scanner needs beyond the configured ones.
  std::vector<std::pair<std::string, std::string>> scanner_options;
  // What a technician calibrates with: a white card held up to the camera (a video), a blank
  // sheet on the glass under the simulated scanner's uneven lamp (the whole glass at the
  // configured resolution).
  std::filesystem::path camera_card;
  std::filesystem::path blank_sheet;
};

// The scanner options `rig` adds, or none on real hardware (`rig` null).
inline std::vector<std::pair<std::string, std::string>> scanner_options_of(const Rig* rig) {
  return rig != nullptr ? rig->scanner_options : std::vector<std::pair<std::string, std::string>>{};
}

// Writes SANE_CONFIG_DIR/dll.conf enabling only `backends`.
void write_sane_config(const std::filesystem::path& dir, const std::vector<std::string>& backends);

// Creates whatever of the rig is missing; existing files are kept, so a second start is quick.
// Throws std::runtime_error with a clear message when something cannot be made.
Rig prepare_rig(const config::Config& config);

// The simulated applicant's print of finger position 1..10 (ANSI/NIST finger numbers).
cv::Mat simulated_finger(const config::SimulationSection& sim, int finger_position);

}  // namespace kiosk::sim
