// Reads one JSON object of a configuration file key by key, so that unknown keys and bad values
// are reported with the file and the full key path.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace kiosk::config::detail {

class JsonReader {
 public:
  // `prefix` is the key path of this object ("" for the root), used in messages.
  JsonReader(const nlohmann::json& object, std::filesystem::path file, std::string prefix);

  // The sub-object at `key`; an absent key reads as an empty object, so defaults apply.
  JsonReader object(std::string_view key);
  const nlohmann::json* array(std::string_view key);
  // A list of objects, each read as "key[i]"; an absent key reads as an empty list.
  std::vector<JsonReader> objects(std::string_view key);
  // The keys this object holds, for objects keyed by name.
  std::vector<std::string> keys() const;
  // A list of non-empty strings; `what` completes "must list ... as strings" in the error.
  std::optional<std::vector<std::string>> strings(std::string_view key, std::string_view what);

  std::optional<std::string> string(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  // Integers and numbers within [min, max].
  std::optional<long long> integer(std::string_view key, long long min, long long max);
  std::optional<double> number(std::string_view key, double min, double max);
  // A path: relative values are resolved against the configuration file's folder.
  std::optional<std::filesystem::path> path(std::string_view key);

  // Throws for the first key of this object that nobody asked for.
  void reject_unknown_keys() const;

  [[noreturn]] void fail(std::string_view key, std::string_view what) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  const nlohmann::json* find(std::string_view key);
  std::string key_path(std::string_view key) const;

  const nlohmann::json& object_;
  std::filesystem::path file_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
};

// Parses a JSON file (comments allowed); throws ConfigError naming the file and the line on error.
nlohmann::json parse_file(const std::filesystem::path& file);

}  // namespace kiosk::config::detail
