// Speech by espeak-ng; see speech.hpp.
#include "kiosk/ui/speech.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace kiosk::ui {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
  void close(int end) {
    if (fd[end] >= 0) ::close(fd[end]);
    fd[end] = -1;
  }
};

}  // namespace

std::expected<std::string, std::string> speak(const std::filesystem::path& espeak, std::string_view voice,
                                              std::string_view text) {
  if (text.size() > kMaxSpokenText) return std::unexpected("the text is too long to speak");
  if (voice.empty() || voice.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string_view::npos) {
    return std::unexpected("no such voice");
  }
  Pipe in, out;
  if (::pipe2(in.fd, O_CLOEXEC) != 0 || ::pipe2(out.fd, O_CLOEXEC) != 0) {
    return std::unexpected(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  const std::string program = espeak.string(), voice_text(voice);
  std::array<char*, 7> argv = {const_cast<char*>(program.c_str()), const_cast<char*>("-v"),
                               const_cast<char*>(voice_text.c_str()), const_cast<char*>("--stdout"),
                               const_cast<char*>("--stdin"), const_cast<char*>("-b1"), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return std::unexpected(program + ": " + std::strerror(spawned));
  in.close(0);
  out.close(1);
  // A prompt fits in the pipe's buffer: write it all, then read the sound.
  std::string input(text);
  input += '\n';
  const char* p = input.data();
  std::size_t left = input.size();
  while (left > 0) {
    const ssize_t n = ::write(in.fd[1], p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  in.close(1);
  std::string wav;
  std::array<char, 65536> buffer;
  for (;;) {
    const ssize_t n = ::read(out.fd[0], buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    wav.append(buffer.data(), static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return std::unexpected(program + " failed for voice " + voice_text);
  }
  if (wav.size() < 44 || wav.compare(0, 4, "RIFF") != 0) return std::unexpected(program + " wrote no WAV");
  return wav;
}

std::expected<std::string, std::string> SpeechCache::speak(std::string_view voice, std::string_view text) {
  std::string key(voice);
  key += '\n';
  key += text;
  {
    std::lock_guard lock(mutex_);
    for (auto it = recent_.begin(); it != recent_.end(); ++it) {
      if (it->first == key) {
        recent_.splice(recent_.begin(), recent_, it);
        return recent_.front().second;
      }
    }
  }
  auto wav = ui::speak(espeak_, voice, text);
  if (!wav) return wav;
  std::lock_guard lock(mutex_);
  recent_.emplace_front(std::move(key), *wav);
  if (recent_.size() > capacity_) recent_.pop_back();
  return wav;
}

}  // namespace kiosk::ui
