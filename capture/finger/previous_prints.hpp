// The passports whose holders gave fingerprints recently, for the rule that prints on the same
// passport within N years are reused: a table in the kiosk's SQLite database that the central
// office keeps in step. Only HMAC-SHA-256(key, issuing state + document number) is stored, so
// the list holds no readable passport numbers; the key comes with the central office's
// configuration, which can compute the same values for the entries it sends.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace kiosk::finger {

class PreviousPrints {
 public:
  // Opens (creating if need be) the table in the database file `db`.
  static std::expected<PreviousPrints, std::string> open(const std::filesystem::path& db,
                                                         std::string key);

  // Lower-case hex HMAC-SHA-256 of "STATE<" + document number, the value the table holds.
  std::string passport_id(std::string_view issuing_state, std::string_view document_number) const;

  // The most recent enrolment on this passport, if any.
  std::expected<std::optional<std::chrono::year_month_day>, std::string> last_prints(
      std::string_view issuing_state, std::string_view document_number) const;

  // Records prints taken on this passport on `day` (after an enrolment, or from the central
  // office). A later date replaces an earlier one; an earlier one is ignored.
  std::expected<void, std::string> add(std::string_view issuing_state,
                                       std::string_view document_number,
                                       std::chrono::year_month_day day);

  // The central office's whole list, by passport_id: replaces the table in one transaction.
  struct Entry {
    std::string passport_id;
    std::chrono::year_month_day day;
  };
  std::expected<void, std::string> replace_all(const std::vector<Entry>& entries);

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  PreviousPrints(std::unique_ptr<sqlite3, Closer> db, std::string key);
  std::expected<void, std::string> upsert(const std::string& id, std::chrono::year_month_day day);

  std::unique_ptr<sqlite3, Closer> db_;
  std::string key_;
};

}  // namespace kiosk::finger
