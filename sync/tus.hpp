// The parts of the tus 1.0 resumable upload protocol both ends share: header names, the
// Upload-Metadata and Upload-Checksum encodings, and the status codes it adds to HTTP.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kiosk::sync::tus {

inline constexpr const char* kVersion = "1.0.0";
inline constexpr const char* kExtensions = "creation,checksum,expiration";
inline constexpr const char* kChecksumAlgorithm = "sha256";
inline constexpr const char* kOffsetStream = "application/offset+octet-stream";
inline constexpr int kChecksumMismatch = 460;  // tus checksum extension

// An Upload-Offset or Upload-Length value: decimal digits only, nullopt otherwise.
std::optional<std::uint64_t> parse_length(std::string_view text);

std::string base64(std::string_view bytes);
std::optional<std::string> unbase64(std::string_view text);

// "key base64,key base64": the creation extension's Upload-Metadata.
std::string encode_metadata(const std::map<std::string, std::string>& values);
std::optional<std::map<std::string, std::string>> decode_metadata(std::string_view header);

// "sha256 <base64 digest>" for a chunk, and its parse; nullopt for another algorithm or junk.
std::string checksum_header(std::string_view chunk);
std::optional<std::string> checksum_digest(std::string_view header);  // raw 32 bytes
std::string sha256_raw(std::string_view bytes);

// SHA-256 over bytes that arrive in pieces (a chunk streamed to disk as it is read).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(std::string_view bytes);
  std::string raw();  // the 32-byte digest of everything so far; ends the hash

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kiosk::sync::tus
