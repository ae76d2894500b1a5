// Helpers shared by the tests: a scratch folder, and running an io_context until a result arrives.
#pragma once

#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace kiosk::testing {

// A fresh folder under /tmp, removed at the end. Kept short: Unix socket paths must fit 107 bytes.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiosk-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs `io` until `done()` is true or `limit` passes. The limit only stops a broken test from
// hanging; a working one finishes long before it. A work guard makes each slice wait for events
// posted from other threads instead of returning at once when the loop has nothing queued.
template <typename Predicate>
bool run_until(boost::asio::io_context& io, Predicate done,
               std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  io.restart();
  auto guard = boost::asio::make_work_guard(io);
  while (!done() && std::chrono::steady_clock::now() < give_up) {
    io.run_for(std::chrono::milliseconds(10));
  }
  guard.reset();
  io.restart();
  return done();
}

// Runs `io` until `slot` holds a value or `limit` passes.
template <typename T>
bool run_until(boost::asio::io_context& io, const std::optional<T>& slot,
               std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  return run_until(io, [&slot] { return slot.has_value(); }, limit);
}

// The whole content of a file, bytes as they are; empty when it cannot be read.
inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct ProgramRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command line and collects what it prints.
inline ProgramRun run_program(const std::string& command) {
  ProgramRun r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) r.output += buffer.data();
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace kiosk::testing
