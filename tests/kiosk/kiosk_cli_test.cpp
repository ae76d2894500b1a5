// The kiosk program as a person starts it: on the simulated devices it finds and captures from
// all three; with a bad configuration it stops at once and says which key in which file.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace kiosk {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

struct ProgramRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

ProgramRun run(const std::string& args) {
  ProgramRun r;
  const std::string command = "timeout -k 5 60 " KIOSK_BINARY " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) r.output += buffer.data();
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
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
  const ProgramRun r = run("--self-test --config " + write_simulation_profile(dir).string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("fingerprint reader OK: captured a 300x400 image"),
                              HasSubstr("document scanner OK: scanned a 1476x1039 page"),
                              HasSubstr("camera OK: grabbed a 320x240 frame"),
                              HasSubstr("all three devices answered"), Not(HasSubstr("FAILED"))));
  // The simulation leaves what it generated where the profile says.
  EXPECT_TRUE(std::filesystem::exists(dir / "sim" / "sane" / "dll.conf"));
  EXPECT_TRUE(std::filesystem::exists(dir / "sim" / "camera.avi"));
}

TEST(KioskProgram, SelfTestFailsWhenADeviceIsMissing) {
  testing::ScratchDir dir;
  auto profile = write_simulation_profile(dir);
  std::ifstream in(profile);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("pnm:0"), 5, "pnm:7");  // no such scanner
  std::ofstream(profile) << text;
  const ProgramRun r = run("--self-test --config " + profile.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("document scanner FAILED: device not found"),
                              HasSubstr("fingerprint reader OK")));
}

TEST(KioskProgram, UnknownKeyStopsStartWithFileAndKey) {
  testing::ScratchDir dir;
  const auto profile = dir / "bad.json";
  std::ofstream(profile) << R"({"kiosk": {"id": "K", "state_dir": "s", "colour": "red"}})";
  const ProgramRun r = run("--config " + profile.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr(profile.string()), HasSubstr("'kiosk.colour'")));
}

TEST(KioskProgram, MissingFaceSourceIsExplained) {
  testing::ScratchDir dir;
  auto profile = write_simulation_profile(dir);
  std::ifstream in(profile);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find(kFaceSource), kFaceSource.size(), (dir / "nobody.png").string());
  std::ofstream(profile) << text;
  const ProgramRun r = run("--self-test --config " + profile.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("nobody.png"), HasSubstr("fetch-face-source")));
}

}  // namespace
}  // namespace kiosk
