// Key-by-key JSON reading with file- and key-named errors, and a "did you mean" for typos.
#include "config/json_reader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace kiosk::config::detail {
namespace {

const nlohmann::json& empty_object() {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string type_name(const nlohmann::json& value) { return value.type_name(); }

}  // namespace

JsonReader::JsonReader(const nlohmann::json& object, std::filesystem::path file, std::string prefix)
    : object_(object), file_(std::move(file)), prefix_(std::move(prefix)) {}

std::string JsonReader::key_path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void JsonReader::fail(std::string_view key, std::string_view what) const {
  throw ConfigError(file_.string() + ": key '" + key_path(key) + "' " + std::string(what));
}

const nlohmann::json* JsonReader::find(std::string_view key) {
  read_.emplace(key);
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

JsonReader JsonReader::object(std::string_view key) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return JsonReader(empty_object(), file_, key_path(key));
  if (!value->is_object()) fail(key, "must be an object, not " + type_name(*value));
  return JsonReader(*value, file_, key_path(key));
}

const nlohmann::json* JsonReader::array(std::string_view key) {
  const nlohmann::json* value = find(key);
  if (value != nullptr && !value->is_array()) fail(key, "must be a list, not " + type_name(*value));
  return value;
}

std::vector<JsonReader> JsonReader::objects(std::string_view key) {
  std::vector<JsonReader> out;
  const nlohmann::json* list = array(key);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string item = std::string(key) + "[" + std::to_string(i) + "]";
    if (!(*list)[i].is_object()) fail(item, "must be an object, not " + type_name((*list)[i]));
    out.emplace_back((*list)[i], file_, key_path(item));
  }
  return out;
}

std::vector<std::string> JsonReader::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : object_.items()) out.push_back(key);
  return out;
}

std::optional<std::vector<std::string>> JsonReader::strings(std::string_view key,
                                                           std::string_view what) {
  const nlohmann::json* list = array(key);
  if (list == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *list) {
    if (!item.is_string() || item.get<std::string>().empty()) {
      fail(key, "must list " + std::string(what) + " as strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::string> JsonReader::string(std::string_view key) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) fail(key, "must be a string, not " + type_name(*value));
  return value->get<std::string>();
}

std::optional<bool> JsonReader::boolean(std::string_view key) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) fail(key, "must be true or false, not " + type_name(*value));
  return value->get<bool>();
}

std::optional<long long> JsonReader::integer(std::string_view key, long long min, long long max) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) fail(key, "must be a whole number, not " + type_name(*value));
  const auto n = value->get<long long>();
  if (n < min || n > max) {
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", not " + std::to_string(n));
  }
  return n;
}

std::optional<double> JsonReader::number(std::string_view key, double min, double max) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) fail(key, "must be a number, not " + type_name(*value));
  const auto n = value->get<double>();
  if (n < min || n > max) {
    std::ostringstream range;
    range << "must be between " << min << " and " << max << ", not " << n;
    fail(key, range.str());
  }
  return n;
}

std::optional<std::filesystem::path> JsonReader::path(std::string_view key) {
  auto text = string(key);
  if (!text) return std::nullopt;
  if (text->empty()) return std::filesystem::path();
  std::filesystem::path p(*text);
  // Absolute even when the profile was named by a relative path (`--config config/x.json`): a
  // path without a leading '/' means something else to some libraries (a host name to libcups).
  std::error_code ec;
  if (p.is_relative()) p = std::filesystem::absolute(file_.parent_path() / p, ec);
  return p.lexically_normal();
}

void JsonReader::reject_unknown_keys() const {
  for (const auto& [key, value] : object_.items()) {
    if (read_.contains(key)) continue;
    std::string message = "is not a known setting";
    std::size_t best = 3;  // suggest only close matches
    for (const auto& known : read_) {
      const std::size_t d = edit_distance(key, known);
      if (d < best) {
        best = d;
        message = "is not a known setting (did you mean '" + key_path(known) + "'?)";
      }
    }
    fail(key, message);
  }
}

nlohmann::json parse_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot be read");
  try {
    return nlohmann::json::parse(in, /*cb=*/nullptr, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string what = e.what();
    const auto at = what.find("parse error");
    throw ConfigError(file.string() + ": not valid JSON: " +
                      (at == std::string::npos ? what : what.substr(at)));
  }
}

}  // namespace kiosk::config::detail
