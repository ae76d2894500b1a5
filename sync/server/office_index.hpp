// The central office's index (uploads, applications, bundles, heartbeats) in SQL that both of its
// databases run: SQLite in the store's folder by default, PostgreSQL for a large deployment.
// Statements number their parameters $1, $2…; values go in as text or 64-bit integers and rows
// come back as text (NULL as nullopt).
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sync/packet.hpp"

namespace kiosk::sync {

using SqlValue = std::variant<std::string_view, std::int64_t>;

struct SqlResult {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::int64_t changed = 0;  // rows inserted, updated or deleted
};

class OfficeIndex {
 public:
  virtual ~OfficeIndex() = default;
  // Runs one statement; the error names the database and what it said.
  virtual Expected<SqlResult> run(const char* sql, std::initializer_list<SqlValue> values = {}) = 0;
  // "SQLite /srv/office/office.db", "PostgreSQL office on db.example:5432", for the log.
  virtual std::string describe() const = 0;
};

// `where`: empty for SQLite in `dir`/office.db (WAL, synchronous=FULL), or a libpq connection
// string or URI (postgresql://user@host/db) for PostgreSQL. `schema` is run at every opening and
// must be idempotent (CREATE … IF NOT EXISTS).
Expected<std::unique_ptr<OfficeIndex>> open_office_index(const std::string& where,
                                                         const std::filesystem::path& dir,
                                                         const char* schema);

}  // namespace kiosk::sync
