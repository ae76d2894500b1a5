// Durable files and SQLite, as the outbox and the office store use them: write-flush-rename,
// flushed directories, and prepared statements that clean up after themselves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "sync/packet.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace kiosk::sync::storage {

// "the disk is full" for ENOSPC and EDQUOT, strerror otherwise.
std::string errno_text(int error);

Expected<void> flush_directory(const std::filesystem::path& dir);
// temp → write → fsync → rename → fsync(directory): after it returns, the file is whole under its
// name across a power cut; before, the name does not exist.
Expected<void> write_durably(const std::filesystem::path& target, std::string_view bytes);
Expected<std::string> read_file(const std::filesystem::path& file);
// Bytes an unprivileged process may still write on the file system holding `dir`.
Expected<std::uint64_t> free_bytes(const std::filesystem::path& dir);

// Opens (creating) a database in WAL mode with synchronous=FULL and runs `schema`.
Expected<sqlite3*> open_database(const std::filesystem::path& file, const char* schema);
void close_database(sqlite3* db);
Expected<void> exec(sqlite3* db, const char* sql);
std::unexpected<std::string> failure(sqlite3* db, std::string_view what);

class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& text(int index, std::string_view value);
  Statement& integer(int index, std::int64_t value);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  bool prepared() const { return stmt_ != nullptr; }
  std::string column_text(int index) const;
  std::int64_t column_integer(int index) const;
  bool column_null(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace kiosk::sync::storage
