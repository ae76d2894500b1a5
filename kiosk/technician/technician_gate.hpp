// The door to technician mode: a PIN, kept only as a salted PBKDF2-SHA-256 hash in the
// configuration, and a lock-out after repeated failures that survives a restart (the count and the
// end of the lock-out are kept in the state folder), so pulling the plug does not reset it.
// After kMaxFailures wrong PINs in a row the gate stays shut for the lock-out, which doubles with
// each further lock-out up to a day; the right PIN resets both. A session is a random token that
// lapses after a quiet spell.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kiosk::app {

inline constexpr int kMaxFailures = 5;
inline constexpr std::chrono::seconds kFirstLockout{300};
inline constexpr std::chrono::seconds kLongestLockout{24 * 3600};
inline constexpr std::chrono::seconds kTechnicianIdle{600};

// "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX" for `pin`, with a fresh random salt.
std::string hash_pin(std::string_view pin, int iterations = 200000);
// Whether `pin` matches `hashed` (compared in constant time). False for a malformed hash.
bool pin_matches(std::string_view pin, std::string_view hashed);

struct GateRefusal {
  enum class Kind { kWrongPin, kLockedOut, kNoPinSet };
  Kind kind;
  int attempts_left = 0;                              // kWrongPin: before the lock-out
  std::chrono::system_clock::time_point locked_until;  // kLockedOut
};

class TechnicianGate {
 public:
  using Clock = std::chrono::system_clock;
  // `pin_hash`: from the configuration (empty: technician mode cannot be opened). `state_file`:
  // where failures and lock-outs are kept.
  TechnicianGate(std::string pin_hash, std::filesystem::path state_file);

  // The token of a new technician session, or why not.
  std::expected<std::string, GateRefusal> open(std::string_view pin, Clock::time_point now);
  // Whether `token` opens a session now; each use extends it.
  bool admits(std::string_view token, Clock::time_point now);
  void close();

  int failures() const { return failures_; }

 private:
  void load();
  void save() const;

  std::string pin_hash_;
  std::filesystem::path state_file_;
  int failures_ = 0;
  int lockouts_ = 0;
  Clock::time_point locked_until_{};
  std::string token_;
  Clock::time_point last_use_{};
};

}  // namespace kiosk::app
