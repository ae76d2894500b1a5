// The list of recent enrolments per passport, in SQLite; see previous_prints.hpp.
#include "capture/finger/previous_prints.hpp"

#include <cstdio>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "config/utc_text.hpp"

namespace kiosk::finger {
namespace {

std::optional<std::chrono::year_month_day> parse_date(const char* text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text == nullptr || std::sscanf(text, "%4d-%2u-%2u", &y, &m, &d) != 3) return std::nullopt;
  const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  return day.ok() ? std::optional(day) : std::nullopt;
}

// A prepared statement that finalizes itself.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr); }
  ~Statement() { sqlite3_finalize(stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  void bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt, i, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
};

std::unexpected<std::string> failure(sqlite3* db, std::string_view what) {
  return std::unexpected("previous prints: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

std::expected<void, std::string> exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return failure(db, sql);
  return {};
}

}  // namespace

void PreviousPrints::Closer::operator()(sqlite3* db) const { sqlite3_close(db); }

PreviousPrints::PreviousPrints(std::unique_ptr<sqlite3, Closer> db, std::string key)
    : db_(std::move(db)), key_(std::move(key)) {}

std::expected<PreviousPrints, std::string> PreviousPrints::open(const std::filesystem::path& db,
                                                                std::string key) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 nullptr);
  std::unique_ptr<sqlite3, Closer> handle(raw);
  if (rc != SQLITE_OK) {
    return std::unexpected("previous prints: cannot open " + db.string() + ": " +
                           (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(raw, 5000);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "CREATE TABLE IF NOT EXISTS previous_prints ("
                          " passport_id TEXT PRIMARY KEY,"
                          " last_prints TEXT NOT NULL) WITHOUT ROWID"}) {
    if (auto ok = exec(raw, sql); !ok) return std::unexpected(ok.error() + " in " + db.string());
  }
  return PreviousPrints(std::move(handle), std::move(key));
}

std::string PreviousPrints::passport_id(std::string_view issuing_state,
                                        std::string_view document_number) const {
  const std::string message = std::string(issuing_state) + "<" + std::string(document_number);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", mac[i]);
    hex += pair;
  }
  return hex;
}

std::expected<std::optional<std::chrono::year_month_day>, std::string> PreviousPrints::last_prints(
    std::string_view issuing_state, std::string_view document_number) const {
  Statement s(db_.get(), "SELECT last_prints FROM previous_prints WHERE passport_id = ?");
  if (s.stmt == nullptr) return failure(db_.get(), "lookup");
  s.bind(1, passport_id(issuing_state, document_number));
  const int rc = sqlite3_step(s.stmt);
  if (rc == SQLITE_DONE) return std::optional<std::chrono::year_month_day>();
  if (rc != SQLITE_ROW) return failure(db_.get(), "lookup");
  const auto day = parse_date(reinterpret_cast<const char*>(sqlite3_column_text(s.stmt, 0)));
  if (!day) return std::unexpected(std::string("previous prints: a stored date is not a date"));
  return day;
}

std::expected<void, std::string> PreviousPrints::upsert(const std::string& id,
                                                        std::chrono::year_month_day day) {
  if (!day.ok()) return std::unexpected(std::string("previous prints: not a valid date"));
  // ISO dates compare as text, so max() keeps the later one.
  Statement s(db_.get(),
              "INSERT INTO previous_prints (passport_id, last_prints) VALUES (?, ?) "
              "ON CONFLICT(passport_id) DO UPDATE SET last_prints = "
              "max(last_prints, excluded.last_prints)");
  if (s.stmt == nullptr) return failure(db_.get(), "add");
  s.bind(1, id);
  s.bind(2, iso_date(day));
  if (sqlite3_step(s.stmt) != SQLITE_DONE) return failure(db_.get(), "add");
  return {};
}

std::expected<void, std::string> PreviousPrints::add(std::string_view issuing_state,
                                                     std::string_view document_number,
                                                     std::chrono::year_month_day day) {
  return upsert(passport_id(issuing_state, document_number), day);
}

std::expected<void, std::string> PreviousPrints::replace_all(const std::vector<Entry>& entries) {
  if (auto ok = exec(db_.get(), "BEGIN IMMEDIATE"); !ok) return ok;
  auto rollback = [&](std::expected<void, std::string> why) {
    exec(db_.get(), "ROLLBACK");
    return why;
  };
  if (auto ok = exec(db_.get(), "DELETE FROM previous_prints"); !ok) return rollback(ok);
  for (const Entry& e : entries) {
    if (e.passport_id.size() != 64 ||
        e.passport_id.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return rollback(std::unexpected("previous prints: '" + e.passport_id +
                                      "' is not a passport id (64 lower-case hex digits)"));
    }
    if (auto ok = upsert(e.passport_id, e.day); !ok) return rollback(ok);
  }
  return exec(db_.get(), "COMMIT");
}

}  // namespace kiosk::finger
