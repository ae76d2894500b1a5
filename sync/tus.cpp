// tus 1.0 encodings; see tus.hpp.
#include "sync/tus.hpp"

#include <openssl/evp.h>

namespace kiosk::sync::tus {

std::optional<std::uint64_t> parse_length(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return std::stoull(std::string(text));
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t length = static_cast<std::size_t>(n);
  // EVP_DecodeBlock keeps the padding's zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --length;
  out.resize(length);
  return out;
}

std::string encode_metadata(const std::map<std::string, std::string>& values) {
  std::string out;
  for (const auto& [key, value] : values) {
    if (!out.empty()) out += ',';
    out += key + ' ' + base64(value);
  }
  return out;
}

std::optional<std::map<std::string, std::string>> decode_metadata(std::string_view header) {
  std::map<std::string, std::string> out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view pair = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto space = pair.find(' ');
    const std::string key(pair.substr(0, space));
    if (key.empty()) return std::nullopt;
    std::string value;
    if (space != std::string_view::npos) {
      auto decoded = unbase64(pair.substr(space + 1));
      if (!decoded) return std::nullopt;
      value = std::move(*decoded);
    }
    out[key] = std::move(value);
  }
  return out;
}


struct Sha256::State {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  EVP_DigestInit_ex(state_->context.get(), EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view bytes) {
  EVP_DigestUpdate(state_->context.get(), bytes.data(), bytes.size());
}

std::string Sha256::raw() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context.get(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string sha256_raw(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.raw();
}

std::string checksum_header(std::string_view chunk) {
  return std::string(kChecksumAlgorithm) + " " + base64(sha256_raw(chunk));
}

std::optional<std::string> checksum_digest(std::string_view header) {
  const auto space = header.find(' ');
  if (space == std::string_view::npos || header.substr(0, space) != std::string_view(kChecksumAlgorithm)) {
    return std::nullopt;
  }
  auto digest = unbase64(header.substr(space + 1));
  if (!digest || digest->size() != 32) return std::nullopt;
  return digest;
}

}  // namespace kiosk::sync::tus
