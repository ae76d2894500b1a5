// Loads the service catalogue: file rules, services and their checklists, all checked on load.
#include "config/services.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/format.h>

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

// A file's size band, written in KiB as "min_kib" and "max_kib"; returned in bytes.
std::pair<std::uint64_t, std::uint64_t> read_size_band(JsonReader& r, long long default_max_kib) {
  constexpr long long kKib = 1024;
  const auto min = static_cast<std::uint64_t>(r.integer("min_kib", 0, 1 << 20).value_or(0) * kKib);
  const auto max = static_cast<std::uint64_t>(r.integer("max_kib", 1, 1 << 20).value_or(default_max_kib) * kKib);
  if (min >= max) r.fail("min_kib", "must be below max_kib");
  return {min, max};
}

// The entry of `items` whose `member` is `key`, or nullptr.
template <typename T>
const T* find_by(const std::vector<T>& items, std::string_view key, std::string T::*member) {
  const auto it = std::ranges::find(items, key, member);
  return it == items.end() ? nullptr : &*it;
}

// Objects keyed by name ("file_rules", "photo_specs"), each read by `read(object, name)`; `what`
// names such a name in the error ("rule", "spec").
template <typename Read>
auto read_named(JsonReader& r, std::string_view key, std::string_view what, Read read) {
  JsonReader objects = r.object(key);
  std::vector<decltype(read(objects, std::string()))> out;
  for (const auto& name : objects.keys()) {
    if (!is_id(name)) {
      objects.fail(name, "is not a " + std::string(what) + " name: lower-case letters, digits, '-' and '_'");
    }
    out.push_back(read(objects.object(name), name));
  }
  return out;
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
  std::tie(rule.min_bytes, rule.max_bytes) = read_size_band(r, 2048);
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

// A [low, high] pair of numbers within [min, max], as photo specs write their ranges.
std::optional<std::pair<double, double>> read_range(JsonReader& r, std::string_view key, double min,
                                                    double max) {
  const nlohmann::json* a = r.array(key);
  if (a == nullptr) return std::nullopt;
  if (a->size() != 2 || !(*a)[0].is_number() || !(*a)[1].is_number()) {
    r.fail(key, "must be a pair of numbers [low, high]");
  }
  const double low = (*a)[0].get<double>(), high = (*a)[1].get<double>();
  if (low < min || high > max || low > high) {
    r.fail(key, fmt::format("must hold low <= high within [{}, {}]", min, max));
  }
  return std::pair{low, high};
}

PhotoSpec read_photo_spec(JsonReader r, std::string name) {
  PhotoSpec p;
  p.name = std::move(name);
  p.width_mm = r.number("width_mm", 10, 100).value_or(0);
  p.height_mm = r.number("height_mm", 10, 100).value_or(0);
  if (p.width_mm == 0 || p.height_mm == 0) r.fail("width_mm", "and height_mm are required");
  const auto dpi = r.integer("dpi", 150, 1200);
  const auto width_px = r.integer("width_px", 100, 4000);
  const auto height_px = r.integer("height_px", 100, 4000);
  if (width_px.has_value() != height_px.has_value()) r.fail("width_px", "and height_px go together");
  if (width_px && dpi) r.fail("dpi", "or width_px/height_px, not both");
  if (width_px) {
    p.width_px = static_cast<int>(*width_px);
    p.height_px = static_cast<int>(*height_px);
    if (std::abs(p.width_px / p.width_mm - p.height_px / p.height_mm) > 0.02 * p.width_px / p.width_mm) {
      r.fail("height_px", "must keep the photo's proportions (width_mm : height_mm)");
    }
  } else {
    const double per_mm = static_cast<double>(dpi.value_or(600)) / 25.4;
    p.width_px = static_cast<int>(std::lround(p.width_mm * per_mm));
    p.height_px = static_cast<int>(std::lround(p.height_mm * per_mm));
  }
  if (const auto h = read_range(r, "head_height_mm", 5, p.height_mm)) {
    std::tie(p.min_head_height_mm, p.max_head_height_mm) = *h;
  } else {
    r.fail("head_height_mm", "is required: [low, high] crown to chin in millimetres");
  }
  if (const auto w = read_range(r, "head_width_mm", 5, p.width_mm)) {
    std::tie(p.min_head_width_mm, p.max_head_width_mm) = *w;
  }
  if (const auto e = read_range(r, "eye_line_from_bottom", 0.3, 0.9)) {
    std::tie(p.min_eye_line, p.max_eye_line) = *e;
  }
  p.min_eye_distance_px =
      static_cast<int>(r.integer("min_eye_distance_px", 20, 1000).value_or(p.min_eye_distance_px));
  const auto background = r.string("background").value_or("light");
  if (background == "white") {
    p.white_background = true;
    p.min_background_luminance = 215;
    p.max_background_saturation = 0.08;
  } else if (background != "light") {
    r.fail("background", "must be white or light");
  }
  p.min_background_luminance =
      r.number("min_background_luminance", 0, 255).value_or(p.min_background_luminance);
  p.max_background_spread = r.number("max_background_spread", 0, 128).value_or(p.max_background_spread);
  p.max_background_saturation =
      r.number("max_background_saturation", 0, 1).value_or(p.max_background_saturation);
  p.max_roll_deg = r.number("max_roll_deg", 0, 45).value_or(p.max_roll_deg);
  p.max_yaw_deg = r.number("max_yaw_deg", 0, 45).value_or(p.max_yaw_deg);
  p.max_dark_share = r.number("max_dark_share", 0, 1).value_or(p.max_dark_share);
  p.max_bright_share = r.number("max_bright_share", 0, 1).value_or(p.max_bright_share);
  p.max_side_difference = r.number("max_side_difference", 0, 1).value_or(p.max_side_difference);
  p.min_sharpness = r.number("min_sharpness", 0, 10).value_or(p.min_sharpness);
  std::tie(p.min_bytes, p.max_bytes) = read_size_band(r, 5 * 1024);
  r.reject_unknown_keys();
  return p;
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
  s.photo_spec = r.string("photo_spec").value_or("");
  if (catalogue.photo_spec(s.photo_spec) == nullptr) {
    r.fail("photo_spec", "must name one of the catalogue's photo_specs, not \"" + s.photo_spec + "\"");
  }
  s.fee = r.number("fee", 0, 1e6).value_or(s.fee);
  s.currency = r.string("currency").value_or(s.currency);
  if (s.currency.size() != 3 || s.currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
    r.fail("currency", "must be an ISO 4217 code such as EUR");
  }
  s.processing_days = static_cast<int>(r.integer("processing_days", 0, 365).value_or(0));
  r.reject_unknown_keys();
  return s;
}

}  // namespace

bool FileRule::allows(std::string_view format) const {
  return std::ranges::find(formats, format) != formats.end();
}

const Service* ServiceCatalogue::service(std::string_view id) const { return find_by(services, id, &Service::id); }

const FileRule* ServiceCatalogue::file_rule(std::string_view name) const {
  return find_by(file_rules, name, &FileRule::name);
}

const PhotoSpec* ServiceCatalogue::photo_spec(std::string_view name) const {
  return find_by(photo_specs, name, &PhotoSpec::name);
}

ServiceCatalogue load_service_catalogue(const std::filesystem::path& file) {
  const nlohmann::json root = detail::parse_file(file);
  if (!root.is_object()) throw ConfigError(file.string() + ": must hold a JSON object");
  JsonReader r(root, file, "");
  ServiceCatalogue c;
  c.age_of_majority = static_cast<int>(r.integer("age_of_majority", 14, 21).value_or(c.age_of_majority));
  c.file_rules = read_named(r, "file_rules", "rule", read_file_rule);
  c.photo_specs = read_named(r, "photo_specs", "spec", read_photo_spec);
  std::set<std::string, std::less<>> ids;
  for (JsonReader s : r.objects("services")) {
    c.services.push_back(read_service(s, c));
    if (!ids.insert(c.services.back().id).second) s.fail("id", "appears twice in the catalogue");
  }
  r.reject_unknown_keys();
  return c;
}

}  // namespace kiosk::config
