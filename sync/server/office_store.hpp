// The central office's store of uploads and received packets: partial uploads in
// `DIR/uploads/`, whole packets in `DIR/packets/`, the index in `DIR/office.db` (SQLite, WAL,
// synchronous=FULL) or in PostgreSQL (office_index.hpp). Every chunk is on disk and flushed before its offset is recorded, and a
// packet counts as received only once its hash, the kiosk's signature and its manifest have been
// checked and it has been renamed into place: only then does the kiosk hear "stored".
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sync/application_status.hpp"
#include "sync/packet.hpp"
#include "sync/tus.hpp"

namespace kiosk::sync {

using Clock = std::chrono::system_clock;

struct UploadInfo {
  enum class State { kUploading, kReceived, kRejected };
  std::string id;
  std::string sha256;  // lower-case hex, as the kiosk announced it
  std::string kiosk;   // the client certificate's common name
  std::uint64_t length = 0;
  std::uint64_t offset = 0;
  State state = State::kUploading;
  std::string error;  // why a packet was rejected
  Clock::time_point expires_at;
};

enum class StoreOutcome {
  kOk,
  kNotFound,
  kGone,              // an unfinished upload that expired
  kConflict,          // offset mismatch, or the id is taken by other contents or another kiosk
  kChecksumMismatch,  // the chunk is not what its checksum says
  kRejected,          // the whole packet failed its checks
  kTooLarge,
  kLocked,            // another chunk of this upload is being written now
  kFailed,            // the store itself failed (disk, database)
};

struct StoreResult {
  StoreOutcome outcome = StoreOutcome::kOk;
  std::string message;
  UploadInfo info;
  bool created = false;  // create(): a new upload rather than an existing one
};

// A chunk (a PATCH body) written to its upload's file piece by piece as it arrives, so that no
// body is ever held whole: OfficeStore::begin_chunk, then write() per piece, then finish_chunk,
// or keep_partial when the connection is cut. One chunk per upload at a time.
class ChunkWriter {
 public:
  ChunkWriter() = default;
  ~ChunkWriter();  // abandons an unfinished chunk: its bytes past the recorded offset are dropped
  ChunkWriter(ChunkWriter&&) = delete;
  ChunkWriter& operator=(ChunkWriter&&) = delete;

  // Writes the next piece; kTooLarge when it would run past the upload's announced length,
  // kFailed when the disk fails. After an error the chunk can only be abandoned.
  StoreResult write(std::string_view piece);
  std::uint64_t room() const { return info_.length - info_.offset - written_; }

 private:
  friend class OfficeStore;
  void close();
  UploadInfo info_;  // as the index had it when the chunk began
  int fd_ = -1;
  std::uint64_t written_ = 0;
  tus::Sha256 hash_;
  std::shared_ptr<std::set<std::string>> writing_;  // the store's uploads with a chunk open
};

struct StoreLimits {
  std::uint64_t max_packet_bytes = std::uint64_t{512} << 20;
  std::chrono::seconds upload_lifetime{std::chrono::hours(24)};  // tus expiration
};

class OfficeStore {
 public:
  // `index`: where the index is kept: empty for SQLite in `dir`, or a PostgreSQL connection
  // string (postgresql://…); see office_index.hpp.
  static Expected<OfficeStore> open(const std::filesystem::path& dir, PacketOpener opener,
                                    StoreLimits limits = {}, const std::string& index = {});
  ~OfficeStore();
  OfficeStore(OfficeStore&&) noexcept;
  OfficeStore& operator=(OfficeStore&&) noexcept;

  // A new upload, or the existing one with the same id and hash (a re-send: its offset tells the
  // kiosk how much is already here, all of it for a packet already received).
  StoreResult create(const std::string& id, const std::string& sha256, std::uint64_t length,
                     const std::string& kiosk, Clock::time_point now = Clock::now());
  StoreResult head(const std::string& id, Clock::time_point now = Clock::now());
  // Appends a chunk at `offset`; `digest` is the chunk's raw SHA-256 when the kiosk sent one.
  // The last chunk completes the packet: checked, stored, and reported received or rejected.
  StoreResult append(const std::string& id, const std::string& kiosk, std::uint64_t offset,
                     std::string_view chunk, const std::optional<std::string>& digest,
                     Clock::time_point now = Clock::now());
  // The same in steps, for a chunk that arrives in pieces. begin_chunk checks the upload, the
  // kiosk and the offset and opens `writer`; finish_chunk flushes it, checks `digest` (a mismatch
  // drops the chunk: 460) and records the new offset; keep_partial, for a chunk cut short
  // without a checksum, keeps what arrived (tus: store as much as possible) and records it.
  StoreResult begin_chunk(const std::string& id, const std::string& kiosk, std::uint64_t offset,
                          ChunkWriter& writer, Clock::time_point now = Clock::now());
  StoreResult finish_chunk(ChunkWriter& writer, const std::optional<std::string>& digest,
                           Clock::time_point now = Clock::now());
  StoreResult keep_partial(ChunkWriter& writer, Clock::time_point now = Clock::now());
  std::uint64_t max_packet_bytes() const;  // the largest upload accepted (tus: Tus-Max-Size)
  // Removes unfinished uploads past their expiry; returns how many.
  int expire(Clock::time_point now = Clock::now());

  // Applications, by the tracking code on the applicant's receipt (the manifest's
  // "tracking_code"): each received packet opens one.
  std::optional<ApplicationStatus> application(const std::string& tracking_code);
  Expected<void> set_application_state(const std::string& tracking_code, ApplicationState state,
                                       Clock::time_point now = Clock::now());

  // The configuration bundle kiosks are to run with (signed, see config_bundle.hpp): published
  // with a version above the current one, kept durably, served to every kiosk.
  Expected<void> publish_bundle(std::int64_t version, const std::string& signed_bytes);
  struct Bundle {
    std::int64_t version = 0;
    std::string signed_bytes;
  };
  std::optional<Bundle> bundle();

  // The latest health report of each kiosk (JSON), kept with the time it arrived.
  Expected<void> record_heartbeat(const std::string& kiosk, const std::string& report,
                                  Clock::time_point now = Clock::now());
  struct Heartbeat {
    std::string kiosk, report, received_at;
  };
  std::vector<Heartbeat> heartbeats();

  std::filesystem::path packet_file(const std::string& id) const;
  std::string index() const;  // which database holds the index, for the log

 private:
  struct Impl;
  explicit OfficeStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::sync
