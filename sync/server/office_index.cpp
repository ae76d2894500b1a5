// The office index's two databases; see office_index.hpp.
#include "sync/server/office_index.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include "sync/storage.hpp"

namespace kiosk::sync {
namespace {

class SqliteIndex final : public OfficeIndex {
 public:
  SqliteIndex(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
  ~SqliteIndex() override { storage::close_database(db_); }

  Expected<SqlResult> run(const char* sql, std::initializer_list<SqlValue> values) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) return fail();
    int number = 0;
    for (const SqlValue& value : values) {
      // $N by name, wherever it stands in the statement.
      const int index = sqlite3_bind_parameter_index(stmt, ("$" + std::to_string(++number)).c_str());
      if (index == 0) continue;
      if (const auto* text = std::get_if<std::string_view>(&value)) {
        sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_int64(stmt, index, std::get<std::int64_t>(value));
      }
    }
    SqlResult result;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      auto& row = result.rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row.push_back(text ? std::optional<std::string>(text) : std::nullopt);
      }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return fail();
    result.changed = sqlite3_changes(db_);
    return result;
  }

  std::string describe() const override { return "SQLite " + file_.string(); }

 private:
  std::unexpected<std::string> fail() { return std::unexpected("SQLite " + file_.string() + ": " + sqlite3_errmsg(db_)); }

  sqlite3* db_;
  std::filesystem::path file_;
};

class PostgresIndex final : public OfficeIndex {
 public:
  explicit PostgresIndex(PGconn* connection) : connection_(connection) {}
  ~PostgresIndex() override { PQfinish(connection_); }

  static Expected<std::unique_ptr<OfficeIndex>> connect(const std::string& where, const char* schema) {
    PGconn* connection = PQconnectdb(where.c_str());
    if (PQstatus(connection) != CONNECTION_OK) {
      std::string why = PQerrorMessage(connection);
      PQfinish(connection);
      return std::unexpected("cannot connect to PostgreSQL: " + trimmed(why));
    }
    auto index = std::make_unique<PostgresIndex>(connection);
    // Quietly: CREATE … IF NOT EXISTS says "already exists, skipping" at every start.
    PQsetNoticeProcessor(connection, [](void*, const char*) {}, nullptr);
    PGresult* made = PQexec(connection, schema);
    const bool ok = PQresultStatus(made) == PGRES_COMMAND_OK;
    PQclear(made);
    if (!ok) return std::unexpected(index->said() + " (making the office's tables)");
    return index;
  }

  Expected<SqlResult> run(const char* sql, std::initializer_list<SqlValue> values) override {
    std::vector<std::string> texts;
    texts.reserve(values.size());
    for (const SqlValue& value : values) {
      if (const auto* text = std::get_if<std::string_view>(&value)) texts.emplace_back(*text);
      else texts.push_back(std::to_string(std::get<std::int64_t>(value)));
    }
    std::vector<const char*> params;
    for (const auto& t : texts) params.push_back(t.c_str());
    PGresult* r = execute(sql, params);
    if (r == nullptr && PQstatus(connection_) == CONNECTION_BAD) {
      PQreset(connection_);  // the server restarted, or the link broke: once more on a new one
      r = execute(sql, params);
    }
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      PQclear(r);
      return std::unexpected(said());
    }
    SqlResult result;
    for (int row = 0; row < PQntuples(r); ++row) {
      auto& out = result.rows.emplace_back();
      for (int c = 0; c < PQnfields(r); ++c) {
        out.push_back(PQgetisnull(r, row, c) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, row, c)));
      }
    }
    const char* changed = PQcmdTuples(r);
    result.changed = changed != nullptr && *changed != '\0' ? std::stoll(changed) : 0;
    PQclear(r);
    return result;
  }

  std::string describe() const override {
    const char* host = PQhost(connection_);
    return std::string("PostgreSQL ") + PQdb(connection_) + " on " + (host ? host : "?") + ":" + PQport(connection_);
  }

 private:
  // Null where the connection itself failed.
  PGresult* execute(const char* sql, const std::vector<const char*>& params) {
    PGresult* r = PQexecParams(connection_, sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr,
                               nullptr, 0);
    if (r != nullptr && PQresultStatus(r) == PGRES_FATAL_ERROR && PQstatus(connection_) == CONNECTION_BAD) {
      PQclear(r);
      return nullptr;
    }
    return r;
  }

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  // What the server or libpq said of the last statement (never the statement: it reaches kiosks).
  std::string said() const { return "PostgreSQL: " + trimmed(PQerrorMessage(connection_)); }

  PGconn* connection_;
};

}  // namespace

Expected<std::unique_ptr<OfficeIndex>> open_office_index(const std::string& where,
                                                         const std::filesystem::path& dir,
                                                         const char* schema) {
  if (!where.empty()) return PostgresIndex::connect(where, schema);
  const auto file = dir / "office.db";
  auto db = storage::open_database(file, schema);
  if (!db) return std::unexpected(db.error());
  return std::make_unique<SqliteIndex>(*db, file);
}

}  // namespace kiosk::sync
