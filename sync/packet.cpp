// Sealing packets (in memory) and opening them (as a stream) with OpenSSL CMS and a tar archive
// from libarchive; see packet.hpp.
#include "sync/packet.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>

#include "config/utc_text.hpp"
#include "sync/ber_reader.hpp"
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
void close_file(std::FILE* f) { std::fclose(f); }
using FilePtr = std::unique_ptr<std::FILE, Deleter<std::FILE, close_file>>;


std::string hex(const unsigned char* bytes, std::size_t n) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

using DigestPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

DigestPtr new_sha256() {
  DigestPtr ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  return ctx;
}

std::string finish_hex(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  return hex(digest, length);
}

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

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return hex(digest, length);
}

Expected<std::string> sha256_hex_of_file(const std::filesystem::path& file) {
  FilePtr in(std::fopen(file.c_str(), "rb"));
  if (!in) return std::unexpected("cannot read " + file.string() + ": " + std::strerror(errno));
  DigestPtr ctx = new_sha256();
  std::vector<char> piece(1 << 20);
  while (const std::size_t got = std::fread(piece.data(), 1, piece.size(), in.get())) {
    EVP_DigestUpdate(ctx.get(), piece.data(), got);
  }
  if (std::ferror(in.get()) != 0) return std::unexpected("cannot read " + file.string());
  return finish_hex(ctx.get());
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

namespace {

// A packet can be as large as the office takes (hundreds of MB), so it is opened as a stream in
// one pass of bounded memory. The CMS structures around the content (wrapped keys, certificates,
// signatures: a few KB) are copied out with the content left out, which CMS calls "detached",
// and handed to OpenSSL; the content itself streams past: the encrypted bytes through OpenSSL's
// decrypting BIO, the decrypted signed content into SHA-256 (checked against the signature's
// message digest) and into libarchive, which reads the tar entries one after another and each
// entry is hashed (checked against the manifest).

constexpr std::size_t kFramingBudget = std::size_t{4} << 20;  // the CMS structures around the content
constexpr std::size_t kLargestManifest = std::size_t{4} << 20;

using Take = std::function<Expected<void>(const ber::Header&)>;

// Copies the element `h` to `out`, re-framed with an indefinite length, going into the child on
// the path to the content (ContentInfo SEQUENCE → [0] → AuthEnvelopedData or SignedData
// SEQUENCE → its first SEQUENCE, the content info → [0], the content) and giving that to `take`.
Expected<void> detach_at(ber::Reader& r, const ber::Header& h, int level, std::string& out,
                         const Take& take, bool& taken) {
  static constexpr unsigned char kPath[] = {0xA0, 0x30, 0x30};
  out += static_cast<char>(h.tag);
  out += '\x80';
  const ber::Frame f = r.frame(h);
  bool went_in = false;
  for (;;) {
    auto child = r.next(f);
    if (!child) return std::unexpected(child.error());
    if (!*child) break;
    const ber::Header& c = **child;
    Expected<void> ok;
    if (level < 3 && !went_in && c.tag == kPath[level]) {
      went_in = true;
      ok = detach_at(r, c, level + 1, out, take, taken);
    } else if (level == 3 && !taken && (c.tag & 0xDF) == 0x80) {
      taken = true;
      ok = take(c);
    } else {
      ok = r.copy(c, out, kFramingBudget);
    }
    if (!ok) return ok;
  }
  out += std::string("\0\0", 2);
  return {};
}

// The CMS ContentInfo at `r`, detached: see detach_at.
Expected<std::string> detach(ber::Reader& r, const Take& take) {
  auto top = r.header();
  if (!top) return std::unexpected(top.error());
  if (top->tag != 0x30) return std::unexpected(std::string("not a CMS structure"));
  std::string out;
  bool taken = false;
  if (auto ok = detach_at(r, *top, 0, out, take, taken); !ok) return std::unexpected(ok.error());
  if (!taken) return std::unexpected(std::string("it holds no content"));
  return out;
}

struct TarEntry {
  std::string name;
  std::string sha256;
  std::string bytes;  // the manifest's always; a part's when asked for
};

struct TarFeed {
  std::function<Expected<std::size_t>(char*, std::size_t)> read;
  std::vector<char> block = std::vector<char>(64 * 1024);
  std::string error;
};

la_ssize_t feed_tar(archive* a, void* client, const void** block) {
  auto* feed = static_cast<TarFeed*>(client);
  auto got = feed->read(feed->block.data(), feed->block.size());
  if (!got) {
    feed->error = got.error();
    archive_set_error(a, EIO, "%s", got.error().c_str());
    return -1;
  }
  *block = feed->block.data();
  return static_cast<la_ssize_t>(*got);
}

// The tar archive's entries, each hashed as it streams past.
Expected<std::vector<TarEntry>> read_tar(TarFeed& feed, bool keep_parts) {
  ArchiveReader a(archive_read_new());
  archive_read_support_format_tar(a.get());
  const auto why = [&](const std::string& what) {
    return std::unexpected(what + ": " + (feed.error.empty() ? archive_error_string(a.get()) : feed.error));
  };
  if (archive_read_open(a.get(), &feed, nullptr, feed_tar, nullptr) != ARCHIVE_OK) {
    return why("not a tar archive");
  }
  std::vector<TarEntry> entries;
  archive_entry* e = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    const la_int64_t size = archive_entry_size(e);
    const bool manifest = entries.empty();
    if (archive_entry_filetype(e) != AE_IFREG || size < 0 ||
        static_cast<std::uint64_t>(size) > (manifest ? kLargestManifest : kLargestPart)) {
      return std::unexpected(std::string("unexpected tar entry ") + archive_entry_pathname(e));
    }
    TarEntry entry;
    entry.name = archive_entry_pathname(e);
    DigestPtr sha = new_sha256();
    std::uint64_t read = 0;
    const void* data = nullptr;
    std::size_t n = 0;
    la_int64_t offset = 0;
    while ((rc = archive_read_data_block(a.get(), &data, &n, &offset)) == ARCHIVE_OK) {
      if (offset != static_cast<la_int64_t>(read)) return std::unexpected("tar entry " + entry.name + " has holes");
      EVP_DigestUpdate(sha.get(), data, n);
      if (manifest || keep_parts) entry.bytes.append(static_cast<const char*>(data), n);
      read += n;
    }
    if (rc != ARCHIVE_EOF || read != static_cast<std::uint64_t>(size)) {
      return why("tar entry " + entry.name + " is truncated");
    }
    entry.sha256 = finish_hex(sha.get());
    entries.push_back(std::move(entry));
  }
  if (rc != ARCHIVE_EOF) return why("broken tar archive");
  return entries;
}

// Frees a BIO chain down to, not including, `keep`.
void free_down_to(BIO* chain, BIO* keep) {
  while (chain != nullptr && chain != keep) {
    BIO* next = BIO_pop(chain);
    BIO_free(chain);
    chain = next;
  }
}

using SourceAt = std::function<Expected<ber::Pull>(std::uint64_t offset)>;

Expected<OpenedPacket> open_stream(const SourceAt& source_at, X509* office_certificate,
                                   EVP_PKEY* office_key, X509_STORE* trust, bool keep_parts) {
  // First pass: the envelope without its encrypted content (whose tag comes after it), and the
  // sealed bytes' SHA-256.
  auto first = source_at(0);
  if (!first) return std::unexpected(first.error());
  DigestPtr whole = new_sha256();
  ber::Reader outer([&](char* out, std::size_t n) {
    const std::ptrdiff_t got = (*first)(out, n);
    if (got > 0) EVP_DigestUpdate(whole.get(), out, static_cast<std::size_t>(got));
    return got;
  });
  std::uint64_t content_at = 0;
  auto envelope = detach(outer, [&](const ber::Header& h) {
    content_at = outer.position() - h.raw.size();
    return outer.skip(h);
  });
  if (!envelope) return std::unexpected("not a CMS packet: " + envelope.error());
  char extra = 0;
  auto trailing = outer.read_some(&extra, 1);
  if (!trailing) return std::unexpected(trailing.error());
  if (*trailing != 0) return std::unexpected(std::string("not a CMS packet: bytes follow its end"));
  OpenedPacket out;
  out.sha256 = finish_hex(whole.get());

  Bio envelope_der = memory_bio(*envelope);
  CmsPtr enveloped(d2i_CMS_bio(envelope_der.get(), nullptr));
  if (!enveloped) return failure("not a CMS packet");
  if (OBJ_obj2nid(CMS_get0_type(enveloped.get())) != NID_id_smime_ct_authEnvelopedData) {
    return std::unexpected(std::string("not an authenticated-encryption packet"));
  }
  if (CMS_decrypt_set1_pkey_and_peer(enveloped.get(), office_key, office_certificate, nullptr) != 1) {
    return failure("cannot decrypt (corrupted, or sealed for another office)");
  }

  // Second pass: the encrypted content, decrypted as it is read.
  auto second = source_at(content_at);
  if (!second) return std::unexpected(second.error());
  ber::Reader encrypted_framing(std::move(*second), content_at);
  auto encrypted_header = encrypted_framing.header();
  if (!encrypted_header) return std::unexpected(encrypted_header.error());
  ber::OctetReader encrypted(encrypted_framing, *encrypted_header);
  std::string source_error;
  const ber::Pull pull_encrypted = [&](char* to, std::size_t n) -> std::ptrdiff_t {
    auto got = encrypted.read(to, n);
    if (!got) {
      source_error = got.error();
      return -1;
    }
    return static_cast<std::ptrdiff_t>(*got);
  };
  Bio encrypted_bio = pull_source(pull_encrypted);
  BIO* plain = CMS_dataInit(enveloped.get(), encrypted_bio.get());
  if (plain == nullptr) return failure("cannot decrypt");
  const std::unique_ptr<BIO, std::function<void(BIO*)>> chain(
      plain, [keep = encrypted_bio.get()](BIO* b) { free_down_to(b, keep); });
  ber::Reader inner([&](char* to, std::size_t n) -> std::ptrdiff_t {
    const int got = BIO_read(plain, to, static_cast<int>(std::min<std::size_t>(n, 1 << 20)));
    return got < 0 ? 0 : got;
  });

  DigestPtr content_sha = new_sha256();
  std::vector<TarEntry> entries;
  auto signed_part = detach(inner, [&](const ber::Header& wrapper) -> Expected<void> {
    if (wrapper.tag != 0xA0) return std::unexpected(std::string("the signed content is not framed as CMS says"));
    const ber::Frame f = inner.frame(wrapper);
    auto string = inner.next(f);
    if (!string) return std::unexpected(string.error());
    if (!*string) return std::unexpected(std::string("the signed content is empty"));
    ber::OctetReader content(inner, **string);
    TarFeed feed;
    feed.read = [&](char* to, std::size_t n) -> Expected<std::size_t> {
      auto got = content.read(to, n);
      if (got && *got > 0) EVP_DigestUpdate(content_sha.get(), to, *got);
      return got;
    };
    auto read = read_tar(feed, keep_parts);
    if (!read) return std::unexpected(read.error());
    entries = std::move(*read);
    for (std::vector<char> rest(16 * 1024);;) {  // what the archive left unread (its last blocks)
      auto got = feed.read(rest.data(), rest.size());
      if (!got) return std::unexpected(got.error());
      if (*got == 0) break;
    }
    auto more = inner.next(f);
    if (!more) return std::unexpected(more.error());
    if (*more) return std::unexpected(std::string("the signed content is more than one string"));
    return {};
  });
  // The authentication tag is checked when the decryption reaches its end.
  for (char rest[4096]; BIO_read(plain, rest, sizeof rest) > 0;) {
  }
  if (!source_error.empty()) return std::unexpected("not a CMS packet: " + source_error);
  if (BIO_get_cipher_status(plain) != 1) {
    return failure("cannot decrypt (corrupted: the authentication tag does not match)");
  }
  if (!signed_part) return std::unexpected("the decrypted packet is not signed data: " + signed_part.error());
  const std::string content_digest = finish_hex(content_sha.get());

  Bio signed_der = memory_bio(*signed_part);
  CmsPtr signed_data(d2i_CMS_bio(signed_der.get(), nullptr));
  if (!signed_data || OBJ_obj2nid(CMS_get0_type(signed_data.get())) != NID_pkcs7_signed) {
    return failure("the decrypted packet is not signed data");
  }
  if (OBJ_obj2nid(CMS_get0_eContentType(signed_data.get())) != NID_pkcs7_data) {
    return std::unexpected(std::string("the signed content is not plain data"));
  }
  // The certificate chain and the signature over the signed attributes; the content is held
  // against the attributes' message digest here, as it was hashed on its way past.
  Bio nothing(BIO_new(BIO_s_null()));
  if (CMS_verify(signed_data.get(), nullptr, trust, nothing.get(), nullptr,
                 CMS_BINARY | CMS_NO_CONTENT_VERIFY) != 1) {
    return failure("the kiosk's signature does not verify");
  }
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(signed_data.get());
  if (infos == nullptr || sk_CMS_SignerInfo_num(infos) == 0) {
    return std::unexpected(std::string("the kiosk's signature does not verify: the packet is not signed"));
  }
  for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
    X509_ALGOR* digest_algorithm = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_algorithm, nullptr);
    const ASN1_OBJECT* algorithm = nullptr;
    X509_ALGOR_get0(&algorithm, nullptr, nullptr, digest_algorithm);
    const auto* signed_digest = static_cast<const ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
    if (CMS_signed_get_attr_count(si) <= 0 || OBJ_obj2nid(algorithm) != NID_sha256 ||
        signed_digest == nullptr ||
        hex(ASN1_STRING_get0_data(signed_digest), static_cast<std::size_t>(ASN1_STRING_length(signed_digest))) !=
            content_digest) {
      return std::unexpected(std::string(
          "the kiosk's signature does not verify: it does not sign this content's SHA-256"));
    }
  }
  STACK_OF(X509)* signers = CMS_get0_signers(signed_data.get());
  if (signers != nullptr && sk_X509_num(signers) > 0) {
    out.signer = common_name(sk_X509_value(signers, 0));
  }
  sk_X509_free(signers);

  if (entries.empty() || entries.front().name != kManifestName) {
    return std::unexpected(std::string("the packet does not start with its manifest"));
  }
  out.manifest = nlohmann::json::parse(entries.front().bytes, nullptr, /*allow_exceptions=*/false);
  if (!out.manifest.is_object() || out.manifest.value("format", "") != kFormat ||
      !out.manifest.contains("parts") || !out.manifest["parts"].is_array()) {
    return std::unexpected(std::string("the manifest is not a ") + kFormat + " manifest");
  }
  const auto& listed = out.manifest["parts"];
  if (listed.size() != entries.size() - 1) {
    return std::unexpected("the manifest lists " + std::to_string(listed.size()) +
                           " parts, the packet holds " + std::to_string(entries.size() - 1));
  }
  for (std::size_t i = 0; i < listed.size(); ++i) {
    TarEntry& entry = entries[i + 1];
    if (!listed[i].is_object() || listed[i].value("name", "") != entry.name ||
        listed[i].value("sha256", "") != entry.sha256) {
      return std::unexpected("part " + entry.name + " does not match the manifest");
    }
    if (keep_parts) {
      out.parts.push_back({entry.name, listed[i].value("media_type", ""), std::move(entry.bytes)});
    }
  }
  return out;
}

}  // namespace

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
  return open_stream(
      [sealed](std::uint64_t from) -> Expected<ber::Pull> {
        auto rest = std::make_shared<std::string_view>(sealed.substr(std::min<std::size_t>(from, sealed.size())));
        return ber::Pull([rest](char* out, std::size_t n) -> std::ptrdiff_t {
          const std::size_t take = std::min(n, rest->size());
          std::memcpy(out, rest->data(), take);
          rest->remove_prefix(take);
          return static_cast<std::ptrdiff_t>(take);
        });
      },
      keys_->office_certificate.get(), keys_->office_key.get(), keys_->trust.get(),
      /*keep_parts=*/true);
}

Expected<OpenedPacket> PacketOpener::check_file(const std::filesystem::path& sealed) const {
  return open_stream(
      [&sealed](std::uint64_t from) -> Expected<ber::Pull> {
        std::shared_ptr<std::FILE> file(std::fopen(sealed.c_str(), "rb"), [](std::FILE* f) {
          if (f != nullptr) std::fclose(f);
        });
        if (!file || fseeko(file.get(), static_cast<off_t>(from), SEEK_SET) != 0) {
          return std::unexpected("cannot read " + sealed.string() + ": " + std::strerror(errno));
        }
        return ber::Pull([file](char* out, std::size_t n) -> std::ptrdiff_t {
          const std::size_t got = std::fread(out, 1, n, file.get());
          if (got == 0 && std::ferror(file.get()) != 0) return -1;
          return static_cast<std::ptrdiff_t>(got);
        });
      },
      keys_->office_certificate.get(), keys_->office_key.get(), keys_->trust.get(),
      /*keep_parts=*/false);
}

}  // namespace kiosk::sync
