// The UI's message catalogue has a text for everything the kiosk can tell an applicant about
// documents and the photo: every scan prompt, every photo instruction, every service and every
// supporting paper the shipped catalogue names, with the placeholders the prompts fill in.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "capture/document/scan_prompt.hpp"
#include "capture/face/photo_rules.hpp"
#include "config/services.hpp"

namespace kiosk {
namespace {

using ::testing::HasSubstr;

nlohmann::json english() {
  std::ifstream in(KIOSK_SOURCE_DIR "/kiosk/messages/en.json");
  return nlohmann::json::parse(in);
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

}  // namespace
}  // namespace kiosk
