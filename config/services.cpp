// Loads the service catalogue: file rules, services and their checklists, all checked on load.
#include "config/services.hpp"

#include <algorithm>
#include <set>

#include "config/config.hpp"
#include "config/json_reader.hpp"

namespace kiosk::config {
namespace {

using detail::JsonReader;

constexpr std::string_view kFormats[] = {"jpg", "jpeg", "png", "tif", "bmp", "pdf"};

bool is_id(const std::string& text) {
  return !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") ==
                              std::string::npos;
}

// The "id" of a service or a paper, which is also its message key.
std::string read_id(JsonReader& r) {
  std::string id = r.string("id").value_or("");
  if (!is_id(id)) r.fail("id", "is required: lower-case letters, digits, '-' and '_'");
  return id;
}

FileRule read_file_rule(JsonReader r, std::string name) {
  FileRule rule;
  rule.name = std::move(name);
  rule.formats = r.strings("formats", "file formats").value_or(std::vector<std::string>{});
  if (rule.formats.empty()) r.fail("formats", "is required (some of jpg, jpeg, png, tif, bmp, pdf)");
  for (const auto& f : rule.formats) {
    if (std::ranges::find(kFormats, f) == std::end(kFormats)) {
      r.fail("formats", "holds \"" + f + "\"; a format is one of jpg, jpeg, png, tif, bmp, pdf");
    }
  }
  constexpr long long kKib = 1024;
  rule.min_bytes = static_cast<std::uint64_t>(r.integer("min_kib", 0, 1 << 20).value_or(0) * kKib);
  rule.max_bytes = static_cast<std::uint64_t>(r.integer("max_kib", 1, 1 << 20).value_or(2048) * kKib);
  if (rule.min_bytes >= rule.max_bytes) r.fail("min_kib", "must be below max_kib");
  rule.max_dpi = static_cast<int>(r.integer("max_dpi", 72, 1200).value_or(rule.max_dpi));
  rule.min_dpi = static_cast<int>(r.integer("min_dpi", 50, 1200).value_or(rule.min_dpi));
  if (rule.min_dpi > rule.max_dpi) r.fail("min_dpi", "must not be above max_dpi");
  r.reject_unknown_keys();
  return rule;
}

SupportingDocument read_document(JsonReader r, const ServiceCatalogue& catalogue) {
  SupportingDocument d;
  d.id = read_id(r);
  const auto when = r.string("when").value_or("always");
  if (when == "always") {
    d.when = DocumentCondition::kAlways;
  } else if (when == "minor") {
    d.when = DocumentCondition::kMinor;
  } else if (when == "lost_passport") {
    d.when = DocumentCondition::kLostPassport;
  } else {
    r.fail("when", "must be one of always, minor, lost_passport");
  }
  d.required = r.boolean("required").value_or(d.required);
  d.max_pages = static_cast<int>(r.integer("max_pages", 1, 100).value_or(d.max_pages));
  d.file_rule = r.string("file_rule").value_or("");
  if (catalogue.file_rule(d.file_rule) == nullptr) {
    r.fail("file_rule", "must name one of the catalogue's file_rules, not \"" + d.file_rule + "\"");
  }
  r.reject_unknown_keys();
  return d;
}

Service read_service(JsonReader r, const ServiceCatalogue& catalogue) {
  Service s;
  s.id = read_id(r);
  s.kind = r.string("kind").value_or("");
  if (s.kind != "visa" && s.kind != "passport" && s.kind != "travel_document") {
    r.fail("kind", "must be one of visa, passport, travel_document");
  }
  s.visa_category = r.string("visa_category").value_or("");
  if (s.kind == "visa" && s.visa_category.empty()) r.fail("visa_category", "is required for a visa");
  s.document_codes = r.strings("document_codes", "MRZ document codes").value_or(s.document_codes);
  for (const auto& code : s.document_codes) {
    if (code.size() > 2 || code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
      r.fail("document_codes", "holds \"" + code + "\"; a code is one or two capital letters");
    }
  }
  if (const auto months = r.integer("min_validity_months", -1, 120)) {
    s.min_validity_months = *months < 0 ? std::nullopt : std::optional<int>(static_cast<int>(*months));
  }
  std::set<std::string, std::less<>> ids;
  for (JsonReader d : r.objects("checklist")) {
    s.checklist.push_back(read_document(d, catalogue));
    if (!ids.insert(s.checklist.back().id).second) d.fail("id", "appears twice in this checklist");
  }
  r.reject_unknown_keys();
  return s;
}

}  // namespace

bool FileRule::allows(std::string_view format) const {
  return std::ranges::find(formats, format) != formats.end();
}

const Service* ServiceCatalogue::service(std::string_view id) const {
  const auto it = std::ranges::find(services, id, &Service::id);
  return it == services.end() ? nullptr : &*it;
}

const FileRule* ServiceCatalogue::file_rule(std::string_view name) const {
  const auto it = std::ranges::find(file_rules, name, &FileRule::name);
  return it == file_rules.end() ? nullptr : &*it;
}

ServiceCatalogue load_service_catalogue(const std::filesystem::path& file) {
  const nlohmann::json root = detail::parse_file(file);
  if (!root.is_object()) throw ConfigError(file.string() + ": must hold a JSON object");
  JsonReader r(root, file, "");
  ServiceCatalogue c;
  c.age_of_majority = static_cast<int>(r.integer("age_of_majority", 14, 21).value_or(c.age_of_majority));
  JsonReader rules = r.object("file_rules");
  for (const auto& name : rules.keys()) {
    if (!is_id(name)) rules.fail(name, "is not a rule name: lower-case letters, digits, '-' and '_'");
    c.file_rules.push_back(read_file_rule(rules.object(name), name));
  }
  std::set<std::string, std::less<>> ids;
  for (JsonReader s : r.objects("services")) {
    c.services.push_back(read_service(s, c));
    if (!ids.insert(c.services.back().id).second) s.fail("id", "appears twice in the catalogue");
  }
  r.reject_unknown_keys();
  return c;
}

}  // namespace kiosk::config
