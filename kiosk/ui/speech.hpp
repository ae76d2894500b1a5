// Speech output: a prompt spoken by espeak-ng (Debian's espeak-ng) in the applicant's language,
// as WAV for the kiosk's screen to play through the speaker or the headphone socket.
#pragma once

#include <cstddef>
#include <expected>
#include <filesystem>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace kiosk::ui {

inline constexpr std::size_t kMaxSpokenText = 2000;  // bytes of UTF-8; a prompt is far shorter

// Runs espeak-ng with `voice` ("en", "cmn", "ar", "fa", "ru") on `text` (given on its standard
// input, never on a command line) and returns the WAV it writes. The error says what failed.
std::expected<std::string, std::string> speak(const std::filesystem::path& espeak, std::string_view voice,
                                              std::string_view text);

// The same, remembering the last `capacity` prompts: a screen's prompt is asked for again and
// again. Safe to call from several threads.
class SpeechCache {
 public:
  SpeechCache(std::filesystem::path espeak, std::size_t capacity = 64)
      : espeak_(std::move(espeak)), capacity_(capacity) {}
  std::expected<std::string, std::string> speak(std::string_view voice, std::string_view text);

 private:
  std::filesystem::path espeak_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::list<std::pair<std::string, std::string>> recent_;  // key (voice, text) -> WAV; newest first
};

}  // namespace kiosk::ui
