// A message catalogue (kiosk/messages/CODE.json) read on the kiosk's side, for what the kiosk
// itself writes in the applicant's language: the printed receipt.
#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace kiosk::ui {

class Catalogue {
 public:
  // The catalogue of language `code` in `dir`; an error names the file and what is wrong.
  static std::expected<Catalogue, std::string> load(const std::filesystem::path& dir,
                                                    std::string_view code);

  // The text of `key` with its {placeholders} filled in; the key itself when it is missing, as
  // the screen does.
  std::string text(std::string_view key, const std::map<std::string, std::string>& args = {}) const;

 private:
  std::map<std::string, std::string, std::less<>> texts_;
};

}  // namespace kiosk::ui
