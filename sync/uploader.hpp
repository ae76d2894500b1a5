// Sends the outbox to the central office over an OfficeConnection (TLS 1.3, the kiosk's client
// certificate, the office's CA pinned, its host name verified) with the tus 1.0 resumable upload. The
// server's offset is authoritative: after any failure the upload resumes from where the server
// says it is, after an exponential back-off with jitter. A packet counts as delivered only when
// the server answers that it stored it; then the outbox marks it acknowledged.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "sync/net.hpp"
#include "sync/office_connection.hpp"
#include "sync/outbox.hpp"

namespace kiosk::sync {

struct UploaderConfig {
  OfficeEndpoint office;  // its io_timeout is re-armed for every chunk
  std::size_t chunk_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds backoff_first{1000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  std::uint64_t bytes_per_second = 0;  // 0: no cap
  std::chrono::milliseconds idle_poll{5000};  // how often an idle uploader looks at the outbox
};

struct UploadEvent {
  enum class Kind { kDelivered, kFailed } kind;
  std::string packet_id;
  std::string detail;  // why it failed; never applicant data
};

class Uploader {
 public:
  Uploader(asio::any_io_executor executor, Outbox& outbox, UploaderConfig config);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Loads the TLS identity; the error names the file.
  Expected<void> load();
  void on_event(std::function<void(const UploadEvent&)> handler);
  // Runs until stop(): sends every due packet, then waits for more.
  void start();
  // A packet was queued: look at once instead of at the next poll.
  void poke();
  void stop();

  // One attempt at one packet, for the loop and for tests: resumes, sends, and on success marks
  // it acknowledged. On failure the outbox records the error and the next attempt's time.
  // (By value: a coroutine must own what it reads after its first suspension.)
  asio::awaitable<Expected<void>> send(OutboxEntry entry);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace kiosk::sync
