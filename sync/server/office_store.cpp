// The central office's uploads and packets; see office_store.hpp.
#include "sync/server/office_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "config/utc_text.hpp"
#include "sync/server/office_index.hpp"
#include "sync/storage.hpp"
#include "sync/tus.hpp"

namespace kiosk::sync {
namespace {

// SQL that SQLite and PostgreSQL both run ("offset" is a keyword in PostgreSQL).
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS uploads ("
    " id TEXT PRIMARY KEY,"
    " sha256 TEXT NOT NULL,"
    " kiosk TEXT NOT NULL,"
    " length BIGINT NOT NULL,"
    " \"offset\" BIGINT NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL CHECK (state IN ('uploading','received','rejected')),"
    " error TEXT NOT NULL DEFAULT '',"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " received_at BIGINT);"
    "CREATE INDEX IF NOT EXISTS unfinished ON uploads (expires_at) WHERE state = 'uploading';"
    "CREATE TABLE IF NOT EXISTS applications ("
    " tracking_code TEXT PRIMARY KEY,"
    " packet_id TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " updated_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS bundles (version BIGINT PRIMARY KEY, published_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS heartbeats ("
    " kiosk TEXT PRIMARY KEY,"
    " report TEXT NOT NULL,"
    " received_at TEXT NOT NULL);";

std::int64_t millis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool hex_digest(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

StoreResult result(StoreOutcome outcome, std::string message, UploadInfo info = {}) {
  return {outcome, std::move(message), std::move(info), false};
}

std::int64_t number(const std::optional<std::string>& column) {
  return column ? std::stoll(*column) : 0;
}

}  // namespace

struct OfficeStore::Impl {
  std::unique_ptr<OfficeIndex> index;
  std::filesystem::path dir;
  PacketOpener opener;
  StoreLimits limits;
  std::shared_ptr<std::set<std::string>> writing = std::make_shared<std::set<std::string>>();

  Impl(std::unique_ptr<OfficeIndex> i, std::filesystem::path d, PacketOpener o, StoreLimits l)
      : index(std::move(i)), dir(std::move(d)), opener(std::move(o)), limits(l) {}

  std::filesystem::path partial(const std::string& id) const { return dir / "uploads" / (id + ".part"); }
  std::filesystem::path whole(const std::string& id) const { return dir / "packets" / (id + ".cms"); }

  // The upload with this id, nullopt when there is none; an error when the index cannot say (a
  // database that is down is not "no such upload").
  Expected<std::optional<UploadInfo>> find(const std::string& id) {
    const auto found = index->run(
        "SELECT id, sha256, kiosk, length, \"offset\", state, error, expires_at FROM uploads WHERE id = $1", {id});
    if (!found) return std::unexpected(found.error());
    if (found->rows.empty()) return std::nullopt;
    const auto& row = found->rows.front();
    UploadInfo u;
    u.id = row[0].value_or("");
    u.sha256 = row[1].value_or("");
    u.kiosk = row[2].value_or("");
    u.length = static_cast<std::uint64_t>(number(row[3]));
    u.offset = static_cast<std::uint64_t>(number(row[4]));
    const std::string state = row[5].value_or("");
    u.state = state == "received"   ? UploadInfo::State::kReceived
              : state == "rejected" ? UploadInfo::State::kRejected
                                    : UploadInfo::State::kUploading;
    u.error = row[6].value_or("");
    u.expires_at = Clock::time_point(std::chrono::milliseconds(number(row[7])));
    return u;
  }

  // The upload as the index has it now, as an answer of `create`.
  StoreResult answer(const std::string& id, std::string message, bool created) {
    const auto now_known = find(id);
    if (!now_known) return result(StoreOutcome::kFailed, now_known.error());
    if (!*now_known) return result(StoreOutcome::kFailed, "the upload " + id + " cannot be read back");
    return {StoreOutcome::kOk, std::move(message), **now_known, created};
  }

  // An UPDATE of one upload: $1 a number, $2 a text, $3 the id. The error says what failed.
  Expected<void> set(const char* sql, const std::string& id, std::int64_t value, const std::string& text) {
    auto done = index->run(sql, {value, text, id});
    if (!done) return std::unexpected(done.error());
    return {};
  }

  void drop_partial(const std::string& id) {
    std::error_code ec;
    std::filesystem::remove(partial(id), ec);
  }

  // The last chunk arrived: check the whole packet, then store it under its name.
  StoreResult complete(UploadInfo info, Clock::time_point now) {
    // Read as a stream: a packet may be as large as Tus-Max-Size.
    auto opened = opener.check_file(partial(info.id));
    std::string why;
    nlohmann::json opened_manifest;
    // A packet that does not open may still be one whose bytes were changed on the way.
    const auto sha256 =
        opened ? Expected<std::string>(opened->sha256) : sha256_hex_of_file(partial(info.id));
    if (!sha256) return result(StoreOutcome::kFailed, sha256.error(), info);  // unreadable: not its fault
    if (*sha256 != info.sha256) {
      why = "the packet's SHA-256 is not the one announced";
    } else if (!opened) {
      why = "the packet does not open: " + opened.error();
    } else if (opened->signer != info.kiosk) {
      why = "the packet is signed by " + opened->signer + ", not by the uploading kiosk " +
            info.kiosk;
    } else if (opened->manifest.value("packet_id", "") != info.id) {
      why = "the packet's manifest names another packet id";
    } else {
      opened_manifest = std::move(opened->manifest);
    }
    if (!why.empty()) {
      drop_partial(info.id);
      (void)set("UPDATE uploads SET \"offset\" = $1, error = $2, state = 'rejected' WHERE id = $3", info.id, 0,
                why);
      info.state = UploadInfo::State::kRejected;
      info.error = why;
      info.offset = 0;
      return result(StoreOutcome::kRejected, why, info);
    }
    std::error_code ec;
    std::filesystem::rename(partial(info.id), whole(info.id), ec);
    if (ec) return result(StoreOutcome::kFailed, "cannot store the packet: " + ec.message(), info);
    if (auto ok = storage::flush_directory(dir / "packets"); !ok) {
      return result(StoreOutcome::kFailed, ok.error(), info);
    }
    if (auto ok = set("UPDATE uploads SET received_at = $1, error = $2, state = 'received' WHERE id = $3",
                      info.id, millis(now), "");
        !ok) {
      return result(StoreOutcome::kFailed, ok.error(), info);
    }
    if (const std::string code = opened_manifest.value("tracking_code", ""); !code.empty()) {
      (void)index->run(
          "INSERT INTO applications (tracking_code, packet_id, state, updated_at) VALUES ($1, $2, 'open', $3) "
          "ON CONFLICT (tracking_code) DO NOTHING",
          {code, info.id, utc_text(now)});
    }
    info.state = UploadInfo::State::kReceived;
    return result(StoreOutcome::kOk, "received", info);
  }
};

OfficeStore::OfficeStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OfficeStore::~OfficeStore() = default;
OfficeStore::OfficeStore(OfficeStore&&) noexcept = default;
OfficeStore& OfficeStore::operator=(OfficeStore&&) noexcept = default;

Expected<OfficeStore> OfficeStore::open(const std::filesystem::path& dir, PacketOpener opener,
                                        StoreLimits limits, const std::string& where) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "uploads", ec);
  std::filesystem::create_directories(dir / "packets", ec);
  std::filesystem::create_directories(dir / "config", ec);
  if (ec) return std::unexpected("cannot create the store in " + dir.string() + ": " + ec.message());
  auto index = open_office_index(where, dir, kSchema);
  if (!index) return std::unexpected(index.error());
  return OfficeStore(std::make_unique<Impl>(std::move(*index), dir, std::move(opener), limits));
}

std::filesystem::path OfficeStore::packet_file(const std::string& id) const {
  return impl_->whole(id);
}

std::string OfficeStore::index() const { return impl_->index->describe(); }

StoreResult OfficeStore::create(const std::string& id, const std::string& sha256,
                                std::uint64_t length, const std::string& kiosk,
                                Clock::time_point now) {
  if (!is_packet_id(id) || !hex_digest(sha256)) {
    return result(StoreOutcome::kConflict, "the upload needs a packet id and its SHA-256");
  }
  if (length == 0 || length > impl_->limits.max_packet_bytes) {
    return result(StoreOutcome::kTooLarge, "a packet is 1 to " +
                                               std::to_string(impl_->limits.max_packet_bytes) +
                                               " bytes");
  }
  const auto found = impl_->find(id);
  if (!found) return result(StoreOutcome::kFailed, found.error());
  if (const auto& known = *found) {
    if (known->sha256 != sha256 || known->length != length || known->kiosk != kiosk) {
      return result(StoreOutcome::kConflict,
                    "packet " + id + " was announced with other contents or by another kiosk");
    }
    Expected<void> renewed;
    if (known->state == UploadInfo::State::kRejected) {
      // A rejected packet sent again starts afresh.
      renewed = impl_->set("UPDATE uploads SET \"offset\" = $1, error = $2, state = 'uploading' WHERE id = $3",
                           id, 0, "");
    } else if (known->state == UploadInfo::State::kUploading && known->expires_at <= now) {
      impl_->drop_partial(id);
      renewed = impl_->set("UPDATE uploads SET expires_at = $1, error = $2, \"offset\" = 0 WHERE id = $3", id,
                           millis(now + impl_->limits.upload_lifetime), "");
    }
    if (!renewed) return result(StoreOutcome::kFailed, renewed.error());
    return impl_->answer(id, "known", false);
  }
  const auto made = impl_->index->run(
      "INSERT INTO uploads (id, sha256, kiosk, length, state, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, 'uploading', $5, $6)",
      {id, sha256, kiosk, static_cast<std::int64_t>(length), millis(now), millis(now + impl_->limits.upload_lifetime)});
  if (!made) return result(StoreOutcome::kFailed, made.error());
  return impl_->answer(id, "created", true);
}

StoreResult OfficeStore::head(const std::string& id, Clock::time_point now) {
  if (!is_packet_id(id)) return result(StoreOutcome::kNotFound, "no upload " + id);
  const auto found = impl_->find(id);
  if (!found) return result(StoreOutcome::kFailed, found.error());
  const auto& known = *found;
  if (!known) return result(StoreOutcome::kNotFound, "no upload " + id);
  if (known->state == UploadInfo::State::kUploading && known->expires_at <= now) {
    return result(StoreOutcome::kGone, "the upload of " + id + " expired", *known);
  }
  return {StoreOutcome::kOk, "", *known, false};
}

ChunkWriter::~ChunkWriter() { close(); }

void ChunkWriter::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (writing_) writing_->erase(info_.id);
  writing_.reset();
}

StoreResult ChunkWriter::write(std::string_view piece) {
  if (fd_ < 0) return result(StoreOutcome::kFailed, "the chunk is not open", info_);
  if (piece.size() > room()) {
    return result(StoreOutcome::kTooLarge, "the chunk runs past the announced length", info_);
  }
  std::size_t done = 0;
  while (done < piece.size()) {
    const ssize_t n = ::pwrite(fd_, piece.data() + done, piece.size() - done,
                               static_cast<off_t>(info_.offset + written_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return result(StoreOutcome::kFailed, "cannot store the chunk: " + storage::errno_text(errno), info_);
    }
    done += static_cast<std::size_t>(n);
  }
  hash_.update(piece);
  written_ += piece.size();
  return {StoreOutcome::kOk, "", info_, false};
}

std::uint64_t OfficeStore::max_packet_bytes() const { return impl_->limits.max_packet_bytes; }

StoreResult OfficeStore::begin_chunk(const std::string& id, const std::string& kiosk,
                                     std::uint64_t offset, ChunkWriter& writer,
                                     Clock::time_point now) {
  writer.close();
  StoreResult current = head(id, now);
  if (current.outcome != StoreOutcome::kOk) return current;
  UploadInfo info = current.info;
  if (info.kiosk != kiosk) {
    return result(StoreOutcome::kConflict, "the upload belongs to another kiosk", info);
  }
  if (info.state == UploadInfo::State::kReceived) {
    return result(StoreOutcome::kConflict, "packet " + id + " is already received", info);
  }
  if (info.state == UploadInfo::State::kRejected) {
    return result(StoreOutcome::kRejected, info.error, info);
  }
  if (impl_->writing->contains(id)) {
    return result(StoreOutcome::kLocked, "another chunk of this upload is being written", info);
  }
  if (offset != info.offset) {
    return result(StoreOutcome::kConflict,
                  "the upload is at " + std::to_string(info.offset) + ", not " +
                      std::to_string(offset),
                  info);
  }
  // Bytes beyond the recorded offset are the remains of a chunk whose offset never got recorded.
  const auto file = impl_->partial(id);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return result(StoreOutcome::kFailed, "cannot open " + file.string() + ": " +
                                             storage::errno_text(errno), info);
  }
  if (::ftruncate(fd, static_cast<off_t>(info.offset)) != 0) {
    const int error = errno;
    ::close(fd);
    return result(StoreOutcome::kFailed, "cannot store the chunk: " + storage::errno_text(error), info);
  }
  writer.info_ = info;
  writer.fd_ = fd;
  writer.written_ = 0;
  writer.hash_ = tus::Sha256();
  writer.writing_ = impl_->writing;
  impl_->writing->insert(id);
  return {StoreOutcome::kOk, "", info, false};
}

StoreResult OfficeStore::finish_chunk(ChunkWriter& writer, const std::optional<std::string>& digest,
                                      Clock::time_point now) {
  UploadInfo info = writer.info_;
  if (writer.fd_ < 0) return result(StoreOutcome::kFailed, "the chunk is not open", info);
  if (digest && *digest != writer.hash_.raw()) {
    writer.close();  // the next chunk truncates what this one wrote
    return result(StoreOutcome::kChecksumMismatch, "the chunk does not match its checksum", info);
  }
  return keep_partial(writer, now);
}

StoreResult OfficeStore::keep_partial(ChunkWriter& writer, Clock::time_point now) {
  UploadInfo info = writer.info_;
  if (writer.fd_ < 0) return result(StoreOutcome::kFailed, "the chunk is not open", info);
  const std::uint64_t written = writer.written_;
  const int error = ::fsync(writer.fd_) != 0 ? errno : 0;
  writer.close();
  if (error != 0) {
    return result(StoreOutcome::kFailed, "cannot store the chunk: " + storage::errno_text(error), info);
  }
  if (written == 0) return {StoreOutcome::kOk, "", info, false};
  if (info.offset == 0) storage::flush_directory(impl_->dir / "uploads");
  info.offset += written;
  if (auto ok = impl_->set("UPDATE uploads SET \"offset\" = $1, error = $2 WHERE id = $3", info.id,
                           static_cast<std::int64_t>(info.offset), "");
      !ok) {
    return result(StoreOutcome::kFailed, ok.error(), info);
  }
  if (info.offset == info.length) return impl_->complete(info, now);
  return {StoreOutcome::kOk, "", info, false};
}

StoreResult OfficeStore::append(const std::string& id, const std::string& kiosk,
                                std::uint64_t offset, std::string_view chunk,
                                const std::optional<std::string>& digest, Clock::time_point now) {
  ChunkWriter writer;
  StoreResult begun = begin_chunk(id, kiosk, offset, writer, now);
  if (begun.outcome != StoreOutcome::kOk) return begun;
  if (StoreResult wrote = writer.write(chunk); wrote.outcome != StoreOutcome::kOk) return wrote;
  return finish_chunk(writer, digest, now);
}

int OfficeStore::expire(Clock::time_point now) {
  const auto expired = impl_->index->run("SELECT id FROM uploads WHERE state = 'uploading' AND expires_at <= $1",
                                         {millis(now)});
  if (!expired) return 0;
  int removed = 0;
  for (const auto& row : expired->rows) {
    const std::string id = row[0].value_or("");
    if (!impl_->index->run("DELETE FROM uploads WHERE id = $1", {id})) continue;
    impl_->drop_partial(id);
    ++removed;
  }
  return removed;
}

std::optional<ApplicationStatus> OfficeStore::application(const std::string& tracking_code) {
  const auto found =
      impl_->index->run("SELECT state, updated_at FROM applications WHERE tracking_code = $1", {tracking_code});
  if (!found || found->rows.empty()) return std::nullopt;
  const auto state = application_state(found->rows[0][0].value_or(""));
  if (!state) return std::nullopt;
  return ApplicationStatus{tracking_code, *state, found->rows[0][1].value_or("")};
}

Expected<void> OfficeStore::set_application_state(const std::string& tracking_code,
                                                  ApplicationState state, Clock::time_point now) {
  const auto done = impl_->index->run(
      "UPDATE applications SET state = $1, updated_at = $2 WHERE tracking_code = $3",
      {to_string(state), utc_text(now), tracking_code});
  if (!done) return std::unexpected(done.error());
  if (done->changed == 0) {
    return std::unexpected("no application with tracking code " + tracking_code);
  }
  return {};
}

Expected<void> OfficeStore::publish_bundle(std::int64_t version, const std::string& signed_bytes) {
  if (const auto current = bundle(); current && current->version >= version) {
    return std::unexpected("version " + std::to_string(version) + " is not above the published " +
                           std::to_string(current->version));
  }
  const auto file = impl_->dir / "config" / ("bundle-" + std::to_string(version) + ".cms");
  if (auto ok = storage::write_durably(file, signed_bytes); !ok) return ok;
  const auto done = impl_->index->run("INSERT INTO bundles (version, published_at) VALUES ($1, $2)",
                                      {version, utc_text(Clock::now())});
  if (!done) return std::unexpected(done.error());
  return {};
}

std::optional<OfficeStore::Bundle> OfficeStore::bundle() {
  const auto found = impl_->index->run("SELECT max(version) FROM bundles");
  if (!found || found->rows.empty() || !found->rows[0][0]) return std::nullopt;
  const std::int64_t version = number(found->rows[0][0]);
  auto bytes = storage::read_file(impl_->dir / "config" / ("bundle-" + std::to_string(version) + ".cms"));
  if (!bytes) return std::nullopt;
  return Bundle{version, std::move(*bytes)};
}

Expected<void> OfficeStore::record_heartbeat(const std::string& kiosk, const std::string& report,
                                             Clock::time_point now) {
  const auto done = impl_->index->run(
      "INSERT INTO heartbeats (kiosk, report, received_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (kiosk) DO UPDATE SET report = excluded.report, received_at = excluded.received_at",
      {kiosk, report, utc_text(now)});
  if (!done) return std::unexpected(done.error());
  return {};
}

std::vector<OfficeStore::Heartbeat> OfficeStore::heartbeats() {
  const auto found = impl_->index->run("SELECT kiosk, report, received_at FROM heartbeats ORDER BY kiosk");
  std::vector<Heartbeat> out;
  if (!found) return out;
  for (const auto& row : found->rows) out.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or("")});
  return out;
}

}  // namespace kiosk::sync
