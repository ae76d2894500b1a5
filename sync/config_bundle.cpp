// Signed configuration bundles; see config_bundle.hpp.
#include "sync/config_bundle.hpp"

#include "sync/crypto.hpp"

namespace kiosk::sync {

using namespace crypto;

Expected<std::string> sign_bundle(const nlohmann::json& settings,
                                  const std::filesystem::path& certificate,
                                  const std::filesystem::path& key) {
  if (!settings.is_object() || !settings.contains("version") ||
      !settings["version"].is_number_integer() || settings["version"].get<std::int64_t>() <= 0) {
    return std::unexpected(std::string("a bundle is a JSON object with an integer \"version\" above 0"));
  }
  auto cert = read_certificate(certificate);
  if (!cert) return std::unexpected(cert.error());
  auto pkey = read_key(key);
  if (!pkey) return std::unexpected(pkey.error());
  const std::string text = settings.dump(2);
  Bio in = memory_bio(text);
  CmsPtr cms(CMS_sign(cert->get(), pkey->get(), nullptr, in.get(), CMS_BINARY));
  if (!cms) return failure("signing the bundle");
  Bio out(BIO_new(BIO_s_mem()));
  if (i2d_CMS_bio(out.get(), cms.get()) != 1) return failure("signing the bundle");
  return bio_contents(out.get());
}

Expected<ConfigBundle> verify_bundle(std::string_view signed_bytes,
                                     const std::filesystem::path& ca) {
  auto trust = read_trust(ca);
  if (!trust) return std::unexpected(trust.error());
  Bio in = memory_bio(signed_bytes);
  CmsPtr cms(d2i_CMS_bio(in.get(), nullptr));
  if (!cms) return failure("the bundle is not signed data");
  Bio content(BIO_new(BIO_s_mem()));
  if (CMS_verify(cms.get(), nullptr, trust->get(), nullptr, content.get(), CMS_BINARY) != 1) {
    return failure("the bundle's signature does not verify");
  }
  STACK_OF(X509)* signers = CMS_get0_signers(cms.get());
  const std::string signer =
      signers != nullptr && sk_X509_num(signers) == 1 ? common_name(sk_X509_value(signers, 0)) : "";
  sk_X509_free(signers);
  if (signer != kConfigurationSigner) {
    return std::unexpected("the bundle is signed by '" + signer + "', not by the office's configuration key");
  }
  ConfigBundle bundle;
  bundle.settings = nlohmann::json::parse(bio_contents(content.get()), nullptr, false);
  if (!bundle.settings.is_object() || !bundle.settings.contains("version") ||
      !bundle.settings["version"].is_number_integer()) {
    return std::unexpected(std::string("the bundle is not a JSON object with a version"));
  }
  bundle.version = bundle.settings["version"].get<std::int64_t>();
  bundle.signed_bytes = std::string(signed_bytes);
  return bundle;
}

}  // namespace kiosk::sync
