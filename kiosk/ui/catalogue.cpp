// Message catalogues on the kiosk's side; see catalogue.hpp.
#include "kiosk/ui/catalogue.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace kiosk::ui {

std::expected<Catalogue, std::string> Catalogue::load(const std::filesystem::path& dir,
                                                      std::string_view code) {
  const auto file = dir / (std::string(code) + ".json");
  std::ifstream in(file);
  if (!in) return std::unexpected("cannot read " + file.string());
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return std::unexpected(file.string() + " is not a JSON object");
  Catalogue c;
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) c.texts_.emplace(key, value.get<std::string>());
  }
  return c;
}

std::string Catalogue::text(std::string_view key,
                            const std::map<std::string, std::string>& args) const {
  const auto found = texts_.find(key);
  std::string t = found != texts_.end() ? found->second : std::string(key);
  for (const auto& [name, value] : args) {
    const std::string placeholder = "{" + name + "}";
    for (auto at = t.find(placeholder); at != std::string::npos;
         at = t.find(placeholder, at + value.size())) {
      t.replace(at, placeholder.size(), value);
    }
  }
  return t;
}

}  // namespace kiosk::ui
