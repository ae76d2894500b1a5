// The central office's HTTPS endpoint for kiosks: TLS 1.3 only, mutual TLS (a kiosk certificate
// from the consulate's CA or no connection), and the tus 1.0 resumable upload protocol with the
// creation, checksum (sha256) and expiration extensions:
//   OPTIONS /files            what the server supports (no Tus-Resumable needed); Tus-Max-Size is
//                             the largest packet accepted
//   POST    /files            announce a packet (Upload-Length, Upload-Metadata: packet_id, sha256);
//                             413 when it is longer than Tus-Max-Size
//   HEAD    /files/ID         the server's offset: the kiosk resumes from there
//   PATCH   /files/ID         a chunk at Upload-Offset, of any size up to what remains, written to
//                             disk as it arrives (never held whole), with an optional
//                             Upload-Checksum; 409 on an offset mismatch, 460 on a bad checksum,
//                             423 while another chunk of the upload is being written; the last
//                             chunk is answered only once the packet is checked and stored. A
//                             chunk cut short without a checksum keeps what arrived.
//   GET     /packets/ID       the packet's state (received or rejected, and why), as JSON: our
//                             extension, which a plain tus server need not have
// Every refusal is an HTTP answer with a status and a reason.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "sync/net.hpp"
#include "sync/server/office_store.hpp"

namespace kiosk::sync {

struct OfficeServerConfig {
  std::string address = "127.0.0.1";
  unsigned short port = 8443;  // 0: any free port (tests)
  std::filesystem::path certificate;  // the office's TLS certificate chain (PEM)
  std::filesystem::path key;
  std::filesystem::path client_ca;    // the CA that certifies kiosks
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds request_timeout{60};  // per request, re-armed for each piece of a body
};

class OfficeServer {
 public:
  OfficeServer(asio::any_io_executor executor, OfficeServerConfig config, OfficeStore& store);
  ~OfficeServer();
  OfficeServer(const OfficeServer&) = delete;
  OfficeServer& operator=(const OfficeServer&) = delete;

  // Loads the TLS identity, binds and starts accepting; the error names what failed.
  Expected<void> start();
  unsigned short port() const;
  // Stops accepting; connections end at their next deadline or when the executor stops.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace kiosk::sync
