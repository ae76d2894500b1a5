// OpenSSL helpers for the sync code; see crypto.hpp.
#include "sync/crypto.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace kiosk::sync::crypto {
namespace {

// A source/sink BIO whose data pointer is ours: flush succeeds, nothing else is controlled.
BIO_METHOD* plain_method(const char* name) {
  BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, name);
  BIO_meth_set_ctrl(m, [](BIO*, int command, long, void*) -> long {
    return command == BIO_CTRL_FLUSH ? 1 : 0;
  });
  BIO_meth_set_create(m, [](BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  });
  return m;
}

const BIO_METHOD* string_sink_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = plain_method("string sink");
    BIO_meth_set_write(m, [](BIO* bio, const char* data, int length) {
      static_cast<std::string*>(BIO_get_data(bio))->append(data, static_cast<std::size_t>(length));
      return length;
    });
    return m;
  }();
  return method;
}

const BIO_METHOD* pull_source_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = plain_method("pull source");
    BIO_meth_set_read(m, [](BIO* bio, char* data, int length) -> int {
      const auto& pull = *static_cast<const std::function<std::ptrdiff_t(char*, std::size_t)>*>(
          BIO_get_data(bio));
      const std::ptrdiff_t got = pull(data, static_cast<std::size_t>(length));
      BIO_clear_retry_flags(bio);
      return static_cast<int>(got);
    });
    return m;
  }();
  return method;
}

}  // namespace

// The last OpenSSL error in words, and the queue emptied.
std::string openssl_error() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;  // the last one is the most specific
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

std::unexpected<std::string> failure(const std::string& what) {
  return std::unexpected(what + ": " + openssl_error());
}

Bio string_sink(std::string& target) {
  Bio bio(BIO_new(string_sink_method()));
  BIO_set_data(bio.get(), &target);
  return bio;
}

Bio pull_source(const std::function<std::ptrdiff_t(char*, std::size_t)>& pull) {
  Bio bio(BIO_new(pull_source_method()));
  BIO_set_data(bio.get(), const_cast<std::function<std::ptrdiff_t(char*, std::size_t)>*>(&pull));
  return bio;
}

Bio memory_bio(std::string_view bytes) {
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

Expected<X509Ptr> read_certificate(const std::filesystem::path& file) {
  Bio bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) return failure("cannot read certificate " + file.string());
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return failure(file.string() + " is not a PEM certificate");
  return cert;
}

Expected<KeyPtr> read_key(const std::filesystem::path& file) {
  Bio bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) return failure("cannot read key " + file.string());
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return failure(file.string() + " is not a PEM private key");
  return key;
}

std::string common_name(X509* cert) {
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
  return name;
}

Expected<StorePtr> read_trust(const std::filesystem::path& ca_file) {
  StorePtr store(X509_STORE_new());
  if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    return failure("cannot load the CA " + ca_file.string());
  }
  return store;
}

}  // namespace kiosk::sync::crypto
