// The UI's message catalogues: English has a text for everything the kiosk can tell an applicant
// about documents and the photo (every scan prompt, every photo instruction, every service and
// every supporting paper the shipped catalogue names, with the placeholders the prompts fill in),
// and every language the kiosk offers has each of those texts with the same placeholders.
#include <fstream>
#include <regex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "capture/document/scan_prompt.hpp"
#include "capture/face/photo_rules.hpp"
#include "config/services.hpp"
#include "kiosk/session/session.hpp"

namespace kiosk {
namespace {

using ::testing::HasSubstr;

nlohmann::json catalogue(std::string_view code) {
  std::ifstream in(std::string(KIOSK_SOURCE_DIR "/kiosk/messages/") + std::string(code) + ".json");
  return nlohmann::json::parse(in);
}

nlohmann::json english() { return catalogue("en"); }

std::set<std::string> placeholders(const std::string& text) {
  static const std::regex kPlaceholder(R"(\{[a-z_]+\})");
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPlaceholder); it != std::sregex_iterator(); ++it) {
    found.insert(it->str());
  }
  return found;
}

std::string text(const nlohmann::json& messages, const std::string& key) {
  const auto it = messages.find(key);
  return it != messages.end() && it->is_string() ? it->get<std::string>() : std::string();
}

TEST(Messages, EveryScanPromptHasAnEnglishText) {
  const auto messages = english();
  for (int i = 0; i <= static_cast<int>(document::ScanPrompt::kCancelled); ++i) {
    const std::string key(document::prompt_id(static_cast<document::ScanPrompt>(i)));
    EXPECT_FALSE(text(messages, key).empty()) << key;
  }
  EXPECT_THAT(text(messages, "passport.validity_too_short"), HasSubstr("{valid_after}"));
  EXPECT_THAT(text(messages, "scan.page_blurred"), HasSubstr("{page}"));
}

TEST(Messages, EveryPhotoInstructionHasAnEnglishText) {
  const auto messages = english();
  for (int i = 0; i <= static_cast<int>(face::Guidance::kTakePhoto); ++i) {
    const std::string key(face::guidance_id(static_cast<face::Guidance>(i)));
    EXPECT_FALSE(text(messages, key).empty()) << key;
  }
}

TEST(Messages, EveryServiceAndPaperOfTheShippedCatalogueHasAName) {
  const auto messages = english();
  const auto catalogue = config::load_service_catalogue(KIOSK_SOURCE_DIR "/config/defaults/services.json");
  ASSERT_FALSE(catalogue.services.empty());
  for (const auto& service : catalogue.services) {
    EXPECT_FALSE(text(messages, "service." + service.id).empty()) << service.id;
    for (const auto& paper : service.checklist) {
      EXPECT_FALSE(text(messages, "document." + paper.id).empty()) << paper.id;
    }
  }
}

TEST(Messages, EveryLanguageHasEveryTextWithTheSamePlaceholders) {
  const auto en = english();
  for (const app::LanguageInfo& language : app::languages()) {
    if (language.code == "en") continue;
    SCOPED_TRACE(std::string(language.code));
    const auto other = catalogue(language.code);
    for (const auto& [key, value] : en.items()) {
      const std::string translated = text(other, key);
      EXPECT_FALSE(translated.empty()) << key;
      if (translated.empty()) continue;
      EXPECT_NE(translated, value.get<std::string>()) << key << " is left in English";
      EXPECT_EQ(placeholders(translated), placeholders(value.get<std::string>())) << key;
    }
    for (const auto& [key, value] : other.items()) {
      EXPECT_TRUE(en.contains(key)) << key << " is not an English key (a typo, or a text no longer used)";
    }
  }
}

}  // namespace
}  // namespace kiosk
