// One applicant's record as it leaves the kiosk. The manifest and the parts are packed as a tar
// archive, signed with the kiosk's key (CMS SignedData) and encrypted to the central office
// (CMS AuthEnvelopedData, a fresh AES-256-GCM key per packet wrapped to the office's key), so that
// stock tools open it:
//   openssl cms -decrypt -inform DER -in P -recip office-packet.pem -inkey office-packet.key |
//     openssl cms -verify -inform DER -CAfile ca.pem -binary | tar -x
// Sealing happens in memory: the plaintext never touches the disk, and the kiosk keeps no key
// that opens what it sealed. The office opens a packet as a stream, in bounded memory.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiosk::sync {

template <typename T>
using Expected = std::expected<T, std::string>;

struct PacketPart {
  std::string name;        // file name inside the packet, e.g. "enrolment.an2"
  std::string media_type;  // e.g. "application/vnd.ansi-nist-itl", "image/jpeg"
  std::string bytes;
};

struct PacketContents {
  std::string id;           // unique per applicant, e.g. a UUID; names the packet everywhere
  nlohmann::json manifest;  // the session's record: service, MRZ fields, quality, exemptions...
  std::vector<PacketPart> parts;
};

struct SealedPacket {
  std::string id;
  std::string bytes;   // DER CMS AuthEnvelopedData
  std::string sha256;  // of `bytes`, lower-case hex: the upload's checksum and idempotency key
};

// Whether `id` can name a packet (and its files): 1 to 64 letters, digits and dashes.
bool is_packet_id(std::string_view id);

// A random packet id (UUID version 4, from OpenSSL's generator).
std::string new_packet_id();
std::string sha256_hex(std::string_view bytes);
Expected<std::string> sha256_hex_of_file(const std::filesystem::path& file);  // read in pieces

// The kiosk's side. Holds the kiosk's signing key and certificate and the office's certificate.
class Sealer {
 public:
  static Expected<Sealer> load(const std::filesystem::path& kiosk_certificate,
                               const std::filesystem::path& kiosk_key,
                               const std::filesystem::path& office_certificate,
                               std::string kiosk_id);
  ~Sealer();
  Sealer(Sealer&&) noexcept;
  Sealer& operator=(Sealer&&) noexcept;

  // The manifest gains "format", "packet_id", "kiosk_id", "sealed_at" and "parts" (name, media
  // type, size and SHA-256 of each part).
  Expected<SealedPacket> seal(const PacketContents& contents,
                              std::chrono::system_clock::time_point now =
                                  std::chrono::system_clock::now()) const;

 private:
  struct Keys;
  explicit Sealer(std::unique_ptr<Keys> keys);
  std::unique_ptr<Keys> keys_;
};

struct OpenedPacket {
  nlohmann::json manifest;
  std::vector<PacketPart> parts;  // without manifest.json, in the manifest's order
  std::string signer;             // the signing kiosk certificate's common name
  std::string sha256;             // of the sealed bytes, lower-case hex
};

// The central office's side: decrypts with the office's key, verifies the kiosk's signature
// against the consulate's CA, and checks every part against the manifest.
class PacketOpener {
 public:
  static Expected<PacketOpener> load(const std::filesystem::path& office_certificate,
                                     const std::filesystem::path& office_key,
                                     const std::filesystem::path& kiosk_ca);
  ~PacketOpener();
  PacketOpener(PacketOpener&&) noexcept;
  PacketOpener& operator=(PacketOpener&&) noexcept;

  Expected<OpenedPacket> open(std::string_view sealed) const;
  // Checks a sealed packet in a file as open() does, reading it once as a stream: memory stays
  // under a megabyte or so whatever its size. The parts are checked, not kept (`parts` is empty).
  Expected<OpenedPacket> check_file(const std::filesystem::path& sealed) const;

 private:
  struct Keys;
  explicit PacketOpener(std::unique_ptr<Keys> keys);
  std::unique_ptr<Keys> keys_;
};

}  // namespace kiosk::sync
