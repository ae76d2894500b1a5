// Configuration the central office sends its kiosks: a JSON document with a "version" that only
// grows, signed by the office's configuration key (CMS SignedData). A kiosk takes a bundle only
// when the signature chains to the consulate's CA and the signer is the office's configuration
// certificate; anything else is refused, so a bundle can neither be forged nor replayed older.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "sync/packet.hpp"

namespace kiosk::sync {

// The signer's common name the kiosks accept for configuration.
inline constexpr const char* kConfigurationSigner = "Central office configuration";

struct ConfigBundle {
  std::int64_t version = 0;
  nlohmann::json settings;  // the whole document, "version" included
  std::string signed_bytes;  // as received: kept so that it can be checked again at start
};

// The office's side: signs `settings`, which must be an object with an integer "version" > 0.
Expected<std::string> sign_bundle(const nlohmann::json& settings,
                                  const std::filesystem::path& certificate,
                                  const std::filesystem::path& key);

// The kiosk's side: checks the signature against `ca` and the signer's name, then parses.
Expected<ConfigBundle> verify_bundle(std::string_view signed_bytes, const std::filesystem::path& ca);

}  // namespace kiosk::sync
