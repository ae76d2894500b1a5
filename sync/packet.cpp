// Sealing and opening packets with OpenSSL CMS and a tar archive from libarchive, all in memory;
// see packet.hpp.
#include "sync/packet.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <set>

#include "config/utc_text.hpp"
#include "sync/crypto.hpp"

namespace kiosk::sync {
namespace {

using namespace crypto;

constexpr const char* kFormat = "consular-kiosk-packet/1";
constexpr const char* kManifestName = "manifest.json";
constexpr std::size_t kLargestPart = std::size_t{1} << 30;  // refuse anything bigger when opening

void free_writer(archive* a) { archive_write_free(a); }
void free_reader(archive* a) { archive_read_free(a); }
using ArchiveWriter = std::unique_ptr<archive, Deleter<archive, free_writer>>;
using ArchiveReader = std::unique_ptr<archive, Deleter<archive, free_reader>>;
using Entry = std::unique_ptr<archive_entry, Deleter<archive_entry, archive_entry_free>>;


// The manifest and the parts as one tar archive (POSIX pax), in memory.
Expected<std::string> pack(const std::string& manifest, const std::vector<PacketPart>& parts,
                           std::time_t mtime) {
  std::string out;
  ArchiveWriter a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);  // no padding to 10 KiB
  std::size_t total = manifest.size() + 2048;
  for (const PacketPart& part : parts) total += part.bytes.size() + 1536;
  out.reserve(total);
  const auto append = [](archive*, void* sink, const void* data, size_t n) -> la_ssize_t {
    static_cast<std::string*>(sink)->append(static_cast<const char*>(data), n);
    return static_cast<la_ssize_t>(n);
  };
  if (archive_write_open2(a.get(), &out, nullptr, append, nullptr, nullptr) != ARCHIVE_OK) {
    return std::unexpected(std::string("tar: ") + archive_error_string(a.get()));
  }
  const auto add = [&](const std::string& name, const std::string& bytes) -> Expected<void> {
    Entry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), mtime, 0);
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK ||
        archive_write_data(a.get(), bytes.data(), bytes.size()) !=
            static_cast<la_ssize_t>(bytes.size())) {
      return std::unexpected("tar: " + name + ": " + archive_error_string(a.get()));
    }
    return {};
  };
  if (auto ok = add(kManifestName, manifest); !ok) return std::unexpected(ok.error());
  for (const PacketPart& part : parts) {
    if (auto ok = add(part.name, part.bytes); !ok) return std::unexpected(ok.error());
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return std::unexpected(std::string("tar: ") + archive_error_string(a.get()));
  }
  return out;
}

Expected<std::vector<PacketPart>> unpack(std::string_view tar) {
  ArchiveReader a(archive_read_new());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
    return std::unexpected(std::string("not a tar archive: ") + archive_error_string(a.get()));
  }
  std::vector<PacketPart> entries;
  archive_entry* e = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) < 0 ||
        static_cast<std::size_t>(archive_entry_size(e)) > kLargestPart) {
      return std::unexpected(std::string("unexpected tar entry ") + archive_entry_pathname(e));
    }
    PacketPart part;
    part.name = archive_entry_pathname(e);
    part.bytes.resize(static_cast<std::size_t>(archive_entry_size(e)));
    if (archive_read_data(a.get(), part.bytes.data(), part.bytes.size()) !=
        static_cast<la_ssize_t>(part.bytes.size())) {
      return std::unexpected("tar entry " + part.name + " is truncated");
    }
    entries.push_back(std::move(part));
  }
  if (rc != ARCHIVE_EOF) {
    return std::unexpected(std::string("broken tar archive: ") + archive_error_string(a.get()));
  }
  return entries;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(2 * length);
  constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 15];
  }
  return hex;
}

bool is_packet_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") ==
             std::string_view::npos;
}

std::string new_packet_id() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return text;
}

// ---- kiosk side ------------------------------------------------------------------------------

struct Sealer::Keys {
  X509Ptr kiosk_certificate;
  KeyPtr kiosk_key;
  X509Ptr office_certificate;
  std::string kiosk_id;
};

Sealer::Sealer(std::unique_ptr<Keys> keys) : keys_(std::move(keys)) {}
Sealer::~Sealer() = default;
Sealer::Sealer(Sealer&&) noexcept = default;
Sealer& Sealer::operator=(Sealer&&) noexcept = default;

Expected<Sealer> Sealer::load(const std::filesystem::path& kiosk_certificate,
                              const std::filesystem::path& kiosk_key,
                              const std::filesystem::path& office_certificate,
                              std::string kiosk_id) {
  auto keys = std::make_unique<Keys>();
  auto cert = read_certificate(kiosk_certificate);
  if (!cert) return std::unexpected(cert.error());
  auto key = read_key(kiosk_key);
  if (!key) return std::unexpected(key.error());
  auto office = read_certificate(office_certificate);
  if (!office) return std::unexpected(office.error());
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return failure(kiosk_key.string() + " does not belong to " + kiosk_certificate.string());
  }
  keys->kiosk_certificate = std::move(*cert);
  keys->kiosk_key = std::move(*key);
  keys->office_certificate = std::move(*office);
  keys->kiosk_id = std::move(kiosk_id);
  return Sealer(std::move(keys));
}

Expected<SealedPacket> Sealer::seal(const PacketContents& contents,
                                    std::chrono::system_clock::time_point now) const {
  if (contents.id.empty()) return std::unexpected(std::string("a packet needs an id"));
  std::set<std::string> names{kManifestName};
  nlohmann::json manifest = contents.manifest.is_object() ? contents.manifest
                                                          : nlohmann::json::object();
  manifest["format"] = kFormat;
  manifest["packet_id"] = contents.id;
  manifest["kiosk_id"] = keys_->kiosk_id;
  manifest["sealed_at"] = utc_text(now);
  manifest["parts"] = nlohmann::json::array();
  for (const PacketPart& part : contents.parts) {
    if (part.name.empty() || part.name.find('/') != std::string::npos ||
        !names.insert(part.name).second) {
      return std::unexpected("part name '" + part.name + "' is empty, a path, or used twice");
    }
    manifest["parts"].push_back({{"name", part.name},
                                 {"media_type", part.media_type},
                                 {"bytes", part.bytes.size()},
                                 {"sha256", sha256_hex(part.bytes)}});
  }
  auto tar = pack(manifest.dump(2), contents.parts, std::chrono::system_clock::to_time_t(now));
  if (!tar) return std::unexpected(tar.error());

  // Streamed: the signature is computed as the signed data is written, and that is encrypted as
  // it arrives, so the 5 MB go through memory a few times rather than a dozen (BER output, with
  // indefinite lengths, as CMS allows and every CMS reader accepts).
  STACK_OF(X509)* recipients = sk_X509_new_null();
  sk_X509_push(recipients, keys_->office_certificate.get());
  CmsPtr enveloped(CMS_encrypt(recipients, nullptr, EVP_aes_256_gcm(), CMS_BINARY | CMS_STREAM));
  sk_X509_free(recipients);  // the certificate stays ours
  if (!enveloped) return failure("encrypting");
  CmsPtr signed_data(CMS_sign(keys_->kiosk_certificate.get(), keys_->kiosk_key.get(), nullptr,
                              nullptr, CMS_BINARY | CMS_STREAM));
  if (!signed_data) return failure("signing");
  SealedPacket out{contents.id, {}, {}};
  out.bytes.reserve(tar->size() + tar->size() / 64 + 65536);
  Bio sealed = string_sink(out.bytes);
  BIO* encryptor = BIO_new_CMS(sealed.get(), enveloped.get());
  if (encryptor == nullptr) return failure("encrypting");
  Bio plain = memory_bio(*tar);
  const bool written =
      i2d_CMS_bio_stream(encryptor, signed_data.get(), plain.get(), CMS_BINARY | CMS_STREAM) == 1 &&
      BIO_flush(encryptor) == 1;
  // Free the filter chain down to, not including, our output BIO.
  while (encryptor != nullptr && encryptor != sealed.get()) {
    BIO* next = BIO_pop(encryptor);
    BIO_free(encryptor);
    encryptor = next;
  }
  if (!written) return failure("sealing");
  out.sha256 = sha256_hex(out.bytes);
  return out;
}

// ---- office side -----------------------------------------------------------------------------

struct PacketOpener::Keys {
  X509Ptr office_certificate;
  KeyPtr office_key;
  StorePtr trust;
};

PacketOpener::PacketOpener(std::unique_ptr<Keys> keys) : keys_(std::move(keys)) {}
PacketOpener::~PacketOpener() = default;
PacketOpener::PacketOpener(PacketOpener&&) noexcept = default;
PacketOpener& PacketOpener::operator=(PacketOpener&&) noexcept = default;

Expected<PacketOpener> PacketOpener::load(const std::filesystem::path& office_certificate,
                                          const std::filesystem::path& office_key,
                                          const std::filesystem::path& kiosk_ca) {
  auto keys = std::make_unique<Keys>();
  auto cert = read_certificate(office_certificate);
  if (!cert) return std::unexpected(cert.error());
  auto key = read_key(office_key);
  if (!key) return std::unexpected(key.error());
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return failure(office_key.string() + " does not belong to " + office_certificate.string());
  }
  auto store = read_trust(kiosk_ca);
  if (!store) return std::unexpected(store.error());
  keys->office_certificate = std::move(*cert);
  keys->office_key = std::move(*key);
  keys->trust = std::move(*store);
  return PacketOpener(std::move(keys));
}

Expected<OpenedPacket> PacketOpener::open(std::string_view sealed) const {
  Bio in = memory_bio(sealed);
  CmsPtr enveloped(d2i_CMS_bio(in.get(), nullptr));
  if (!enveloped) return failure("not a CMS packet");
  if (OBJ_obj2nid(CMS_get0_type(enveloped.get())) != NID_id_smime_ct_authEnvelopedData) {
    return std::unexpected(std::string("not an authenticated-encryption packet"));
  }
  Bio signed_der(BIO_new(BIO_s_mem()));
  if (CMS_decrypt(enveloped.get(), keys_->office_key.get(), keys_->office_certificate.get(),
                  nullptr, signed_der.get(), CMS_BINARY) != 1) {
    return failure("cannot decrypt (corrupted, or sealed for another office)");
  }
  CmsPtr signed_data(d2i_CMS_bio(signed_der.get(), nullptr));
  if (!signed_data) return failure("the decrypted packet is not signed data");
  Bio tar(BIO_new(BIO_s_mem()));
  if (CMS_verify(signed_data.get(), nullptr, keys_->trust.get(), nullptr, tar.get(),
                 CMS_BINARY) != 1) {
    return failure("the kiosk's signature does not verify");
  }
  OpenedPacket out;
  STACK_OF(X509)* signers = CMS_get0_signers(signed_data.get());
  if (signers != nullptr && sk_X509_num(signers) > 0) {
    out.signer = common_name(sk_X509_value(signers, 0));
  }
  sk_X509_free(signers);

  auto entries = unpack(bio_contents(tar.get()));
  if (!entries) return std::unexpected(entries.error());
  if (entries->empty() || entries->front().name != kManifestName) {
    return std::unexpected(std::string("the packet does not start with its manifest"));
  }
  out.manifest = nlohmann::json::parse(entries->front().bytes, nullptr, /*allow_exceptions=*/false);
  if (!out.manifest.is_object() || out.manifest.value("format", "") != kFormat ||
      !out.manifest.contains("parts") || !out.manifest["parts"].is_array()) {
    return std::unexpected(std::string("the manifest is not a ") + kFormat + " manifest");
  }
  const auto& listed = out.manifest["parts"];
  if (listed.size() != entries->size() - 1) {
    return std::unexpected("the manifest lists " + std::to_string(listed.size()) +
                           " parts, the packet holds " + std::to_string(entries->size() - 1));
  }
  for (std::size_t i = 0; i < listed.size(); ++i) {
    PacketPart& part = (*entries)[i + 1];
    if (listed[i].value("name", "") != part.name ||
        listed[i].value("sha256", "") != sha256_hex(part.bytes)) {
      return std::unexpected("part " + part.name + " does not match the manifest");
    }
    part.media_type = listed[i].value("media_type", "");
    out.parts.push_back(std::move(part));
  }
  return out;
}

}  // namespace kiosk::sync
