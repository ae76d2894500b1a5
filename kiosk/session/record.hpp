// What a finished session becomes: the applicant's record as the packet's contents (sync/packet.hpp
// seals it), and the tracking code printed on the receipt, by which the applicant later asks the
// central office how the application stands.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kiosk/session/session.hpp"
#include "sync/packet.hpp"

namespace kiosk::app {

// Twelve characters from Crockford's base 32 (no I, L, O or U), eleven random and the last a
// Luhn mod 32 check character, shown in groups of four: "7GQ4-X2M9-KD3T". The check catches any
// one character mistyped and most neighbours swapped.
std::string new_tracking_code();

// The code as an applicant typed it, in its canonical form: case, spaces and dashes ignored, and
// O read as 0, I and L as 1. Empty when it is not a tracking code (wrong length or check).
std::string canonical_tracking_code(std::string_view typed);

struct RecordContext {
  std::string kiosk_id;       // also the transaction's originating agency
  std::string packet_id;      // sync::new_packet_id(); also the transaction control number
  std::string tracking_code;  // new_tracking_code()
  std::chrono::system_clock::time_point started;  // when the applicant started
  std::chrono::system_clock::time_point now;      // when the record is made
  nlohmann::json devices = nlohmann::json::object();  // the devices' identities, for the manifest
};

// The session's record: the manifest (service, passport fields, photo rules and face match,
// fingers with their quality and attempts, what is missing and why, exemptions, papers, flags for
// the mission), the ANSI/NIST-ITL transaction (Type-14 fingers, Type-10 face) as "enrolment.an2",
// the photo as "photo.jpg" and each paper as "paper-<id>.<format>". Says what is wrong instead when
// the session is not at the point of being sent or a part cannot be made.
sync::Expected<sync::PacketContents> record_of(const Session& session, const RecordContext& context);

}  // namespace kiosk::app
