// The kiosk program as a person starts it: on the simulated devices it finds and captures from
// all three; with a bad configuration it stops at once and says which key in which file.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fcntl.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace kiosk {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

testing::ProgramRun run(const std::string& args) {
  return testing::run_program("timeout -k 5 60 " KIOSK_BINARY " " + args);
}

const std::string kFaceSource = KIOSK_SOURCE_DIR "/var/public-data/astronaut.png";

std::filesystem::path write_simulation_profile(const testing::ScratchDir& dir) {
  const auto profile = dir / "simulation.json";
  const std::string sim = (dir / "sim").string();
  std::ofstream(profile) << R"({
    "kiosk": {"id": "TEST-KIOSK", "state_dir": ")" << sim << R"(/state"},
    "simulation": {"enabled": true, "dir": ")" << sim << R"(", "face_source": ")" << kFaceSource
                         << R"("},
    "fingerprint": {"drivers": ["virtual_image"], "virtual_image_socket": ")" << sim << R"(/fp.sock"},
    "scanner": {"device": "pnm:0", "sane_config_dir": ")" << sim << R"(/sane"},
    "camera": {"source": "file", "location": ")" << sim << R"(/camera.avi", "width": 320,
               "height": 240, "fps": 10, "pace_to_fps": true},
    "usb": {"device_table": ")" KIOSK_SOURCE_DIR R"(/config/defaults/devices.json"}
  })";
  return profile;
}

TEST(KioskProgram, SelfTestFindsAndCapturesFromAllThreeSimulatedDevices) {
  ASSERT_TRUE(std::filesystem::exists(kFaceSource))
      << kFaceSource << " is missing: tools/test fetches it (tools/fetch-face-source)";
  testing::ScratchDir dir;
  const testing::ProgramRun r = run("--self-test --config " + write_simulation_profile(dir).string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("fingerprint reader OK: captured a 300x400 image"),
                              HasSubstr("document scanner OK: scanned a 2551x3508 page"),
                              HasSubstr("camera OK: grabbed a 320x240 frame"),
                              HasSubstr("all three devices answered"), Not(HasSubstr("FAILED"))));
  // The simulation leaves what it generated where the profile says.
  EXPECT_TRUE(std::filesystem::exists(dir / "sim" / "sane" / "dll.conf"));
  EXPECT_TRUE(std::filesystem::exists(dir / "sim" / "camera.avi"));
}

TEST(KioskProgram, SelfTestFailsWhenADeviceIsMissing) {
  testing::ScratchDir dir;
  auto profile = write_simulation_profile(dir);
  std::string text = testing::read_file(profile);
  text.replace(text.find("pnm:0"), 5, "pnm:7");  // no such scanner
  std::ofstream(profile) << text;
  const testing::ProgramRun r = run("--self-test --config " + profile.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("document scanner FAILED: device not found"),
                              HasSubstr("fingerprint reader OK")));
}

// A kiosk is stopped by systemd with SIGTERM; it must go, and say so, not hang on its devices.
TEST(KioskProgram, SigtermStopsARunningKioskCleanly) {
  ASSERT_TRUE(std::filesystem::exists(kFaceSource)) << kFaceSource << " is missing";
  testing::ScratchDir dir;
  const std::string profile = write_simulation_profile(dir).string();
  const std::string log = (dir / "kiosk.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const char* argv[] = {KIOSK_BINARY, "--config", profile.c_str(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, KIOSK_BINARY, &actions, nullptr, const_cast<char**>(argv), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  auto log_text = [&] { return testing::read_file(log); };
  // The limits below only keep a broken kiosk from hanging the suite.
  for (int i = 0; i < 300 && log_text().find("ready;") == std::string::npos; ++i) usleep(50'000);
  ASSERT_THAT(log_text(), HasSubstr("ready;"));
  kill(pid, SIGTERM);
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 200 && done == 0; ++i) {
    done = waitpid(pid, &status, WNOHANG);
    if (done == 0) usleep(50'000);
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "the kiosk did not stop within 10 s of SIGTERM\n" << log_text();
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log_text();
  EXPECT_THAT(log_text(), HasSubstr("stopping on Terminated"));
}

TEST(KioskProgram, UnknownKeyStopsStartWithFileAndKey) {
  testing::ScratchDir dir;
  const auto profile = dir / "bad.json";
  std::ofstream(profile) << R"({"kiosk": {"id": "K", "state_dir": "s", "colour": "red"}})";
  const testing::ProgramRun r = run("--config " + profile.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr(profile.string()), HasSubstr("'kiosk.colour'")));
}

TEST(KioskProgram, MissingFaceSourceIsExplained) {
  testing::ScratchDir dir;
  auto profile = write_simulation_profile(dir);
  std::string text = testing::read_file(profile);
  text.replace(text.find(kFaceSource), kFaceSource.size(), (dir / "nobody.png").string());
  std::ofstream(profile) << text;
  const testing::ProgramRun r = run("--self-test --config " + profile.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("nobody.png"), HasSubstr("fetch-face-source")));
}

}  // namespace
}  // namespace kiosk
