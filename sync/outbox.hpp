// The kiosk's durable queue of sealed packets. Packet files live in `DIR/packets/`, their state in
// `DIR/outbox.db` (SQLite, WAL, synchronous=FULL). A packet file is written under a temporary
// name, flushed, renamed and the directory flushed, and only then recorded, so a kiosk killed at
// any instant restarts with every packet it accepted still queued, and none twice. A packet goes
// sealed → uploading → acknowledged → purged; its file is deleted only after the central office
// acknowledged it and a grace period passed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sync/packet.hpp"

struct sqlite3;

namespace kiosk::sync {

enum class PacketState { kSealed, kUploading, kAcknowledged, kPurged };
std::string_view to_string(PacketState state);

using Clock = std::chrono::system_clock;

struct OutboxEntry {
  std::string id;
  std::string sha256;
  std::uint64_t bytes = 0;
  PacketState state = PacketState::kSealed;
  Clock::time_point sealed_at;
  std::optional<Clock::time_point> acknowledged_at;
  std::string upload_url;  // the server's upload resource, once created
  int attempts = 0;        // failed upload attempts so far
  Clock::time_point next_attempt_at;
  std::string last_error;
};

struct OutboxStatus {
  std::map<PacketState, int> count;
  std::optional<Clock::time_point> oldest_waiting;  // sealed_at of the oldest not yet acknowledged
  std::uint64_t bytes_waiting = 0;                  // packets not yet acknowledged
  std::uint64_t bytes_on_disk = 0;                  // every packet file still held
};

struct OutboxLimits {
  std::uint64_t quota_bytes = std::uint64_t{4} << 30;    // packet files held at most
  std::uint64_t reserve_bytes = std::uint64_t{1} << 30;  // free space the disk always keeps
  std::uint64_t applicant_bytes = std::uint64_t{64} << 20;  // room one more applicant needs
};

class Outbox {
 public:
  // Opens or creates the outbox in `dir` for the kiosk, which owns it from now on (a lock file;
  // a second owner is refused), and recovers from an interrupted run: a packet file renamed but
  // not yet recorded is recorded; leftovers of unfinished writes and files of purged packets are
  // removed.
  static Expected<Outbox> open(const std::filesystem::path& dir, OutboxLimits limits = {});
  // The same outbox for the technician's tools while the kiosk runs: no lock, no recovery.
  static Expected<Outbox> attach(const std::filesystem::path& dir);
  ~Outbox();
  Outbox(Outbox&&) noexcept;
  Outbox& operator=(Outbox&&) noexcept;

  // Whether the kiosk can take one more applicant: asked before the applicant starts, never after
  // the capture. The error says why not, for the applicant's screen and the technician.
  Expected<void> admit() const;

  // Queues a sealed packet durably. The same packet again (same id and hash) is a success, not a
  // second entry; the same id with other bytes is refused.
  Expected<void> enqueue(const SealedPacket& packet, Clock::time_point now = Clock::now());

  // The packet to send next: the oldest sealed or uploading one whose next attempt is due.
  Expected<std::optional<OutboxEntry>> next_due(Clock::time_point now = Clock::now()) const;
  Expected<std::string> read(const std::string& id) const;
  Expected<std::optional<OutboxEntry>> find(const std::string& id) const;
  Expected<std::vector<OutboxEntry>> list() const;
  Expected<OutboxStatus> status() const;

  // The upload resource the server created for this packet: uploading from now on.
  Expected<void> set_upload_url(const std::string& id, const std::string& url);
  Expected<void> record_failure(const std::string& id, const std::string& error,
                                Clock::time_point next_attempt);
  // The technician's "try now": clears the wait before the next attempt.
  Expected<void> retry_now(const std::string& id);
  Expected<void> acknowledge(const std::string& id, Clock::time_point now = Clock::now());
  // Deletes the files of packets acknowledged at least `grace` ago; returns how many.
  Expected<int> purge(Clock::time_point now, std::chrono::seconds grace);

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  Outbox(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path dir, OutboxLimits limits,
         int lock);
  static Expected<Outbox> connect(const std::filesystem::path& dir, OutboxLimits limits, int lock);
  std::filesystem::path file_of(const std::string& id) const;
  Expected<void> recover();
  Expected<void> record(const std::string& id, const std::string& sha256, std::uint64_t bytes,
                        Clock::time_point now);
  Expected<void> update(const char* sql, const std::string& id,
                        const std::vector<std::string>& values);

  std::unique_ptr<sqlite3, Closer> db_;
  std::filesystem::path dir_;
  OutboxLimits limits_;
  struct LockFile {
    int fd = -1;
    explicit LockFile(int f) : fd(f) {}
    LockFile(LockFile&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    LockFile& operator=(LockFile&& o) noexcept;
    ~LockFile();
  } lock_;
};

}  // namespace kiosk::sync
