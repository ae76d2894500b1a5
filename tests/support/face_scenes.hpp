// What the photo tests share: the shipped catalogue (for its photo specs) and the public-domain
// portraits cut out of their own backgrounds, each made once per test process.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "config/services.hpp"
#include "sim/face_specimen.hpp"

namespace kiosk::testing {

inline const config::ServiceCatalogue& shipped_catalogue() {
  static const config::ServiceCatalogue c = config::load_service_catalogue(
      std::filesystem::path(KIOSK_SOURCE_DIR) / "config/defaults/services.json");
  return c;
}

// Throws std::runtime_error naming a portrait that is missing.
inline const std::vector<sim::PersonCutout>& portrait_cutouts() {
  static const std::vector<sim::PersonCutout> people = [] {
    std::vector<sim::PersonCutout> out;
    for (const auto& known : sim::known_portraits(std::filesystem::path(KIOSK_SOURCE_DIR) / "var/public-data")) {
      if (!std::filesystem::exists(known.file)) {
        throw std::runtime_error(known.file.string() +
                                 " is missing: tools/bootstrap and tools/fetch-face-source provide it");
      }
      out.push_back(sim::cut_out(known));
    }
    return out;
  }();
  return people;
}

}  // namespace kiosk::testing
