// A simulated kiosk's way out, as the sync tests and their helper programs (kiosk_sender,
// seal_packet) set it up: its sealer from a folder made by tools/make-sim-pki, an outbox that
// keeps no disk reserve, and reproducible random contents for its packets.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "sync/outbox.hpp"
#include "sync/packet.hpp"

namespace kiosk::testing {

inline sync::Expected<sync::Sealer> kiosk_sealer(const std::filesystem::path& pki, const std::string& kiosk) {
  return sync::Sealer::load(pki / ("kiosk-" + kiosk + ".pem"), pki / ("kiosk-" + kiosk + ".key"),
                            pki / "office-packet.pem", kiosk);
}

inline sync::Expected<sync::Outbox> roomy_outbox(const std::filesystem::path& dir) {
  sync::OutboxLimits limits;
  limits.reserve_bytes = 0;
  return sync::Outbox::open(dir, limits);
}

inline std::string random_bytes(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  std::mt19937 rng(seed);
  for (auto& b : bytes) b = static_cast<char>(rng());
  return bytes;
}

}  // namespace kiosk::testing
