// Durable files and SQLite helpers; see storage.hpp.
#include "sync/storage.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace kiosk::sync::storage {

std::string errno_text(int error) {
  if (error == ENOSPC || error == EDQUOT) return "the disk is full";
  return std::strerror(error);
}

Expected<void> flush_directory(const std::filesystem::path& folder) {
  const std::filesystem::path dir = folder.empty() ? "." : folder;  // a bare file name's folder
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected("cannot open " + dir.string() + ": " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected("cannot flush " + dir.string() + ": " + errno_text(error));
  return {};
}

Expected<void> write_durably(const std::filesystem::path& target, std::string_view bytes) {
  const std::filesystem::path temporary =
      target.parent_path() / ("." + target.filename().string() + ".tmp");
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return std::unexpected("cannot create " + temporary.string() + ": " + errno_text(errno));
  }
  std::size_t done = 0;
  int error = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  ::close(fd);
  if (error == 0 && ::rename(temporary.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temporary.c_str());
    return std::unexpected("cannot write " + target.string() + ": " + errno_text(error));
  }
  return flush_directory(target.parent_path());
}

Expected<std::uint64_t> free_bytes(const std::filesystem::path& dir) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) {
    return std::unexpected("cannot check free space in " + dir.string() + ": " + errno_text(errno));
  }
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

Expected<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + file.string());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::unexpected("cannot read " + file.string());
  return bytes;
}

Expected<sqlite3*> open_database(const std::filesystem::path& file, const char* schema) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return std::unexpected("cannot open " + file.string() + ": " + why);
  }
  sqlite3_busy_timeout(db, 10000);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", schema}) {
    if (auto ok = exec(db, sql); !ok) {
      sqlite3_close(db);
      return std::unexpected(ok.error() + " (" + file.string() + ")");
    }
  }
  return db;
}

void close_database(sqlite3* db) { sqlite3_close(db); }

std::unexpected<std::string> failure(sqlite3* db, std::string_view what) {
  return std::unexpected("database: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

Expected<void> exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return failure(db, sql);
  return {};
}

Statement::Statement(sqlite3* db, const char* sql) {
  sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
}
Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::text(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::integer(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
int Statement::step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_MISUSE; }
std::string Statement::column_text(int index) const {
  const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return t ? t : "";
}
std::int64_t Statement::column_integer(int index) const {
  return sqlite3_column_int64(stmt_, index);
}
bool Statement::column_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace kiosk::sync::storage
