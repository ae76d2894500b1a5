// The durable outbox; see outbox.hpp.
#include "sync/outbox.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sync/storage.hpp"

namespace kiosk::sync {
namespace {

using storage::errno_text;
using storage::Statement;

constexpr const char* kSuffix = ".cms";
constexpr const char* kTemporary = ".tmp";

std::int64_t millis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Clock::time_point from_millis(std::int64_t ms) {
  return Clock::time_point(std::chrono::milliseconds(ms));
}

std::optional<PacketState> state_of(std::string_view s) {
  for (PacketState st : {PacketState::kSealed, PacketState::kUploading, PacketState::kAcknowledged,
                         PacketState::kPurged}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

constexpr const char* kColumns =
    "id, sha256, bytes, state, sealed_at, acknowledged_at, upload_url, attempts, "
    "next_attempt_at, last_error";

OutboxEntry entry_of(const Statement& s) {
  OutboxEntry e;
  e.id = s.column_text(0);
  e.sha256 = s.column_text(1);
  e.bytes = static_cast<std::uint64_t>(s.column_integer(2));
  e.state = state_of(s.column_text(3)).value_or(PacketState::kSealed);
  e.sealed_at = from_millis(s.column_integer(4));
  if (!s.column_null(5)) e.acknowledged_at = from_millis(s.column_integer(5));
  e.upload_url = s.column_text(6);
  e.attempts = static_cast<int>(s.column_integer(7));
  e.next_attempt_at = from_millis(s.column_integer(8));
  e.last_error = s.column_text(9);
  return e;
}

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS packets ("
    " id TEXT PRIMARY KEY,"
    " sha256 TEXT NOT NULL,"
    " bytes INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('sealed','uploading','acknowledged','purged')),"
    " sealed_at INTEGER NOT NULL,"
    " acknowledged_at INTEGER,"
    " upload_url TEXT NOT NULL DEFAULT '',"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS waiting ON packets (sealed_at)"
    " WHERE state IN ('sealed','uploading');"
    "CREATE INDEX IF NOT EXISTS acknowledged ON packets (acknowledged_at)"
    " WHERE state = 'acknowledged';";

}  // namespace

std::string_view to_string(PacketState state) {
  switch (state) {
    case PacketState::kSealed: return "sealed";
    case PacketState::kUploading: return "uploading";
    case PacketState::kAcknowledged: return "acknowledged";
    case PacketState::kPurged: return "purged";
  }
  return "unknown";
}

void Outbox::Closer::operator()(sqlite3* db) const { storage::close_database(db); }

Outbox::LockFile& Outbox::LockFile::operator=(LockFile&& o) noexcept {
  if (this != &o) {
    if (fd >= 0) ::close(fd);
    fd = std::exchange(o.fd, -1);
  }
  return *this;
}
Outbox::LockFile::~LockFile() {
  if (fd >= 0) ::close(fd);  // releases the lock
}

Outbox::Outbox(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path dir, OutboxLimits limits,
               int lock)
    : db_(std::move(db)), dir_(std::move(dir)), limits_(limits), lock_(lock) {}
Outbox::~Outbox() = default;
Outbox::Outbox(Outbox&&) noexcept = default;
Outbox& Outbox::operator=(Outbox&&) noexcept = default;

Expected<Outbox> Outbox::open(const std::filesystem::path& dir, OutboxLimits limits) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "packets", ec);
  if (ec) return std::unexpected("cannot create the outbox in " + dir.string() + ": " + ec.message());
  const auto lock_file = dir / "lock";
  const int lock = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) {
    return std::unexpected("cannot open " + lock_file.string() + ": " + errno_text(errno));
  }
  if (::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock);
    return std::unexpected("the outbox in " + dir.string() + " is in use by another kiosk process");
  }
  auto outbox = connect(dir, limits, lock);
  if (!outbox) return outbox;
  if (auto ok = outbox->recover(); !ok) return std::unexpected(ok.error());
  return outbox;
}

Expected<Outbox> Outbox::attach(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir / "outbox.db")) {
    return std::unexpected("there is no outbox in " + dir.string());
  }
  return connect(dir, {}, -1);
}

Expected<Outbox> Outbox::connect(const std::filesystem::path& dir, OutboxLimits limits, int lock) {
  auto db = storage::open_database(dir / "outbox.db", kSchema);
  if (!db) {
    if (lock >= 0) ::close(lock);
    return std::unexpected(db.error());
  }
  return Outbox(std::unique_ptr<sqlite3, Closer>(*db), dir, limits, lock);
}

std::filesystem::path Outbox::file_of(const std::string& id) const {
  return dir_ / "packets" / (id + kSuffix);
}

Expected<void> Outbox::recover() {
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(dir_ / "packets", ec)) {
    const std::string name = item.path().filename().string();
    if (name.ends_with(kTemporary)) {  // an enqueue that never returned: nobody was told "sent"
      std::filesystem::remove(item.path(), ec);
      continue;
    }
    if (!name.ends_with(kSuffix)) continue;
    const std::string id = name.substr(0, name.size() - std::strlen(kSuffix));
    auto known = find(id);
    if (!known) return std::unexpected(known.error());
    if (!*known) {
      // Renamed into place but not recorded before the kiosk stopped: the packet is whole.
      auto bytes = storage::read_file(item.path());
      if (!bytes) return std::unexpected(bytes.error());
      if (auto ok = record(id, sha256_hex(*bytes), bytes->size(), Clock::now()); !ok) return ok;
    } else if ((*known)->state == PacketState::kPurged) {
      std::filesystem::remove(item.path(), ec);  // purged, but the file outlived a crash
    }
  }
  if (ec) return std::unexpected("cannot list " + (dir_ / "packets").string() + ": " + ec.message());
  return {};
}

Expected<void> Outbox::admit() const {
  const auto free_space = storage::free_bytes(dir_);
  if (!free_space) return std::unexpected(free_space.error());
  const std::uint64_t free = *free_space;
  if (free < limits_.reserve_bytes + limits_.applicant_bytes) {
    return std::unexpected("the kiosk's disk is nearly full (" + std::to_string(free >> 20) +
                           " MiB free): no new applicant until the outbox is sent");
  }
  auto s = status();
  if (!s) return std::unexpected(s.error());
  if (s->bytes_on_disk + limits_.applicant_bytes > limits_.quota_bytes) {
    return std::unexpected("the outbox is full (" + std::to_string(s->bytes_on_disk >> 20) +
                           " MiB waiting to be sent): no new applicant until it is sent");
  }
  return {};
}

Expected<void> Outbox::record(const std::string& id, const std::string& sha256,
                              std::uint64_t bytes, Clock::time_point now) {
  Statement s(db_.get(),
              "INSERT INTO packets (id, sha256, bytes, state, sealed_at) VALUES (?, ?, ?, "
              "'sealed', ?)");
  s.text(1, id).text(2, sha256).integer(3, static_cast<std::int64_t>(bytes)).integer(4, millis(now));
  if (s.step() != SQLITE_DONE) return storage::failure(db_.get(), "record " + id);
  return {};
}

Expected<void> Outbox::enqueue(const SealedPacket& packet, Clock::time_point now) {
  if (!is_packet_id(packet.id)) return std::unexpected("'" + packet.id + "' is not a packet id");
  auto known = find(packet.id);
  if (!known) return std::unexpected(known.error());
  if (*known) {
    if ((*known)->sha256 == packet.sha256) return {};  // the same packet again
    return std::unexpected("packet " + packet.id + " is already queued with other contents");
  }
  if (auto ok = storage::write_durably(file_of(packet.id), packet.bytes); !ok) return ok;
  return record(packet.id, packet.sha256, packet.bytes.size(), now);
}

Expected<std::optional<OutboxEntry>> Outbox::find(const std::string& id) const {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM packets WHERE id = ?";
  Statement s(db_.get(), sql.c_str());
  s.text(1, id);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<OutboxEntry>();
  if (rc != SQLITE_ROW) return storage::failure(db_.get(), "find");
  return std::optional(entry_of(s));
}

Expected<std::optional<OutboxEntry>> Outbox::next_due(Clock::time_point now) const {
  const std::string sql = std::string("SELECT ") + kColumns +
                          " FROM packets WHERE state IN ('sealed','uploading') AND "
                          "next_attempt_at <= ? ORDER BY sealed_at LIMIT 1";
  Statement s(db_.get(), sql.c_str());
  s.integer(1, millis(now));
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<OutboxEntry>();
  if (rc != SQLITE_ROW) return storage::failure(db_.get(), "next");
  return std::optional(entry_of(s));
}

Expected<std::vector<OutboxEntry>> Outbox::list() const {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM packets ORDER BY sealed_at";
  Statement s(db_.get(), sql.c_str());
  std::vector<OutboxEntry> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(entry_of(s));
  if (rc != SQLITE_DONE) return storage::failure(db_.get(), "list");
  return out;
}

Expected<std::string> Outbox::read(const std::string& id) const {
  if (!is_packet_id(id)) return std::unexpected("'" + id + "' is not a packet id");
  auto bytes = storage::read_file(file_of(id));
  if (!bytes) return std::unexpected("packet " + id + " has no readable file in the outbox");
  return bytes;
}

Expected<OutboxStatus> Outbox::status() const {
  Statement s(db_.get(),
              "SELECT state, count(*), min(sealed_at), sum(bytes) FROM packets GROUP BY state");
  OutboxStatus out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    const auto state = state_of(s.column_text(0));
    if (!state) continue;
    out.count[*state] = static_cast<int>(s.column_integer(1));
    const auto bytes = static_cast<std::uint64_t>(s.column_integer(3));
    if (*state != PacketState::kPurged) out.bytes_on_disk += bytes;
    if (*state == PacketState::kSealed || *state == PacketState::kUploading) {
      out.bytes_waiting += bytes;
      const auto oldest = from_millis(s.column_integer(2));
      if (!out.oldest_waiting || oldest < *out.oldest_waiting) out.oldest_waiting = oldest;
    }
  }
  if (rc != SQLITE_DONE) return storage::failure(db_.get(), "status");
  return out;
}

Expected<void> Outbox::update(const char* sql, const std::string& id,
                              const std::vector<std::string>& values) {
  Statement s(db_.get(), sql);
  int i = 1;
  for (const auto& v : values) s.text(i++, v);
  s.text(i, id);
  if (s.step() != SQLITE_DONE) return storage::failure(db_.get(), "update " + id);
  if (sqlite3_changes(db_.get()) == 0) return std::unexpected("no packet " + id + " to update");
  return {};
}

Expected<void> Outbox::set_upload_url(const std::string& id, const std::string& url) {
  return update(
      "UPDATE packets SET upload_url = ?, state = 'uploading' WHERE state IN ('sealed', "
      "'uploading') AND id = ?",
      id, {url});
}

Expected<void> Outbox::record_failure(const std::string& id, const std::string& error,
                                      Clock::time_point next_attempt) {
  return update(
      "UPDATE packets SET last_error = ?, next_attempt_at = CAST(? AS INTEGER), attempts = "
      "attempts + 1 WHERE id = ?",
      id, {error, std::to_string(millis(next_attempt))});
}

Expected<void> Outbox::retry_now(const std::string& id) {
  return update(
      "UPDATE packets SET next_attempt_at = 0 WHERE state IN ('sealed', 'uploading') AND id = ?",
      id, {});
}

Expected<void> Outbox::acknowledge(const std::string& id, Clock::time_point now) {
  auto known = find(id);
  if (!known) return std::unexpected(known.error());
  if (!*known) return std::unexpected("no packet " + id + " in the outbox");
  if ((*known)->state == PacketState::kAcknowledged || (*known)->state == PacketState::kPurged) {
    return {};
  }
  return update(
      "UPDATE packets SET state = 'acknowledged', acknowledged_at = CAST(? AS INTEGER), "
      "last_error = '' WHERE id = ?",
      id, {std::to_string(millis(now))});
}

Expected<int> Outbox::purge(Clock::time_point now, std::chrono::seconds grace) {
  std::vector<std::string> ids;
  {
    Statement s(db_.get(),
                "SELECT id FROM packets WHERE state = 'acknowledged' AND acknowledged_at <= ?");
    s.integer(1, millis(now - grace));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) ids.push_back(s.column_text(0));
    if (rc != SQLITE_DONE) return storage::failure(db_.get(), "purge");
  }
  for (const std::string& id : ids) {
    // State first: a crash before the file is gone leaves a file recover() deletes, never a
    // queued packet without its file.
    if (auto ok = update("UPDATE packets SET state = 'purged' WHERE id = ?", id, {}); !ok) {
      return std::unexpected(ok.error());
    }
    std::error_code ec;
    std::filesystem::remove(file_of(id), ec);
  }
  if (!ids.empty()) {
    if (auto ok = storage::flush_directory(dir_ / "packets"); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return static_cast<int>(ids.size());
}

}  // namespace kiosk::sync
