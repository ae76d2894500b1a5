// The door to technician mode; see technician_gate.hpp.
#include "kiosk/technician/technician_gate.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kiosk::app {
namespace {

std::string hex(const std::vector<unsigned char>& bytes) {
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::optional<std::vector<unsigned char>> unhex(std::string_view text) {
  if (text.size() % 2 != 0 || text.empty()) return std::nullopt;
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    for (char c : text.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
      else return std::nullopt;
    }
    out.push_back(static_cast<unsigned char>(value));
  }
  return out;
}

std::vector<unsigned char> derive(std::string_view pin, const std::vector<unsigned char>& salt, int iterations,
                                  std::size_t length) {
  std::vector<unsigned char> out(length);
  PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), salt.data(), static_cast<int>(salt.size()),
                    iterations, EVP_sha256(), static_cast<int>(length), out.data());
  return out;
}

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("the random generator failed");
  return out;
}

}  // namespace

std::string hash_pin(std::string_view pin, int iterations) {
  const auto salt = random_bytes(16);
  return fmt::format("pbkdf2-sha256${}${}${}", iterations, hex(salt), hex(derive(pin, salt, iterations, 32)));
}

bool pin_matches(std::string_view pin, std::string_view hashed) {
  constexpr std::string_view kPrefix = "pbkdf2-sha256$";
  if (!hashed.starts_with(kPrefix)) return false;
  const std::string_view rest = hashed.substr(kPrefix.size());
  const auto a = rest.find('$'), b = rest.find('$', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos) return false;
  int iterations = 0;
  try {
    iterations = std::stoi(std::string(rest.substr(0, a)));
  } catch (const std::exception&) {
    return false;
  }
  const auto salt = unhex(rest.substr(a + 1, b - a - 1));
  const auto expected = unhex(rest.substr(b + 1));
  if (iterations < 1000 || !salt || !expected) return false;
  const auto got = derive(pin, *salt, iterations, expected->size());
  return CRYPTO_memcmp(got.data(), expected->data(), got.size()) == 0;
}

TechnicianGate::TechnicianGate(std::string pin_hash, std::filesystem::path state_file)
    : pin_hash_(std::move(pin_hash)), state_file_(std::move(state_file)) {
  load();
}

void TechnicianGate::load() {
  std::ifstream in(state_file_);
  const auto state = nlohmann::json::parse(in, nullptr, false);
  if (!state.is_object()) return;  // none yet, or unreadable: a fresh count
  failures_ = state.value("failures", 0);
  lockouts_ = state.value("lockouts", 0);
  locked_until_ = Clock::time_point(std::chrono::seconds(state.value("locked_until", std::int64_t{0})));
}

void TechnicianGate::save() const {
  const auto tmp = state_file_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << nlohmann::json{{"failures", failures_},
                          {"lockouts", lockouts_},
                          {"locked_until",
                           std::chrono::duration_cast<std::chrono::seconds>(locked_until_.time_since_epoch()).count()}}
               .dump();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, state_file_, ec);
}

std::expected<std::string, GateRefusal> TechnicianGate::open(std::string_view pin, Clock::time_point now) {
  using Kind = GateRefusal::Kind;
  if (pin_hash_.empty()) return std::unexpected(GateRefusal{Kind::kNoPinSet, 0, {}});
  if (now < locked_until_) return std::unexpected(GateRefusal{Kind::kLockedOut, 0, locked_until_});
  if (!pin_matches(pin, pin_hash_)) {
    ++failures_;
    if (failures_ >= kMaxFailures) {
      auto lockout = kFirstLockout * (1LL << std::min(lockouts_, 10));
      if (lockout > kLongestLockout) lockout = kLongestLockout;
      locked_until_ = now + lockout;
      ++lockouts_;
      failures_ = 0;
      save();
      return std::unexpected(GateRefusal{Kind::kLockedOut, 0, locked_until_});
    }
    save();
    return std::unexpected(GateRefusal{Kind::kWrongPin, kMaxFailures - failures_, {}});
  }
  failures_ = 0;
  lockouts_ = 0;
  locked_until_ = {};
  save();
  token_ = hex(random_bytes(16));
  last_use_ = now;
  return token_;
}

bool TechnicianGate::admits(std::string_view token, Clock::time_point now) {
  if (token_.empty() || token.size() != token_.size() || now - last_use_ > kTechnicianIdle) return false;
  if (CRYPTO_memcmp(token.data(), token_.data(), token_.size()) != 0) return false;
  last_use_ = now;
  return true;
}

void TechnicianGate::close() { token_.clear(); }

}  // namespace kiosk::app
