// OpenSSL as the sync code uses it: owning pointers, PEM files, errors in words, and memory
// BIOs in and out of std::string.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "sync/packet.hpp"

namespace kiosk::sync::crypto {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;

// The last OpenSSL error in words, and the queue emptied.
std::string openssl_error();
std::unexpected<std::string> failure(const std::string& what);

// Appends to `target`, which should be reserved up front: OpenSSL's memory BIO grows by a third
// at a time and wipes every buffer it leaves, which costs more than encrypting a large packet.
Bio string_sink(std::string& target);
// Reads from `pull` (bytes into the buffer, 0 at the end, -1 on an error), which must outlive it.
Bio pull_source(const std::function<std::ptrdiff_t(char*, std::size_t)>& pull);
Bio memory_bio(std::string_view bytes);  // reads `bytes`, which must outlive it
std::string bio_contents(BIO* memory);

Expected<X509Ptr> read_certificate(const std::filesystem::path& file);
Expected<KeyPtr> read_key(const std::filesystem::path& file);
Expected<StorePtr> read_trust(const std::filesystem::path& ca_file);
std::string common_name(X509* cert);

}  // namespace kiosk::sync::crypto
