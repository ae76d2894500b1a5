// The kiosk program as a person starts it: on the simulated devices it finds and captures from
// all three; with a bad configuration it stops at once and says which key in which file.
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fcntl.h>

#include <fstream>
#include <vector>

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

// What kiosk.service confines the kiosk to, as far as a test can set it up without systemd: a
// /proc with nothing but processes, and only its own (ProcSubset=pid, ProtectProc=invisible), and
// no memory both writable and executable (MemoryDenyWriteExecute=, which systemd sets through the
// kernel's PR_SET_MDWE where the kernel has it). The devices must still answer and capture.
TEST(KioskProgram, UnderTheServicesConfinementTheDevicesStillAnswer) {
  if (geteuid() != 0) GTEST_SKIP() << "a private /proc needs root (unshare -m -p)";
  testing::ScratchDir dir;
  const std::string profile = write_simulation_profile(dir).string();
  const std::string out = (dir / "out.txt").string();
  const std::string script = "mount -t proc -o subset=pid,hidepid=invisible proc /proc && test ! -e /proc/cpuinfo && "
                             "exec timeout -k 5 60 " KIOSK_BINARY " --self-test --config " + profile;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    constexpr int kSetMdwe = 65, kRefuseExecGain = 1;  // linux/prctl.h from Linux 6.3
    if (prctl(kSetMdwe, kRefuseExecGain, 0, 0, 0) != 0) _exit(77);
    void* wx = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (wx != MAP_FAILED) _exit(78);  // the confinement would not be real
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execlp("unshare", "unshare", "-m", "-p", "--fork", "--propagation", "private", "sh", "-c", script.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "this kernel has no PR_SET_MDWE (Linux 6.3 or later)";
  ASSERT_NE(WEXITSTATUS(status), 78) << "PR_SET_MDWE did not refuse a writable, executable mapping";
  const std::string said = testing::read_file(out);
  EXPECT_EQ(WEXITSTATUS(status), 0) << said;
  EXPECT_THAT(said, AllOf(HasSubstr("fingerprint reader OK: captured"), HasSubstr("document scanner OK: scanned"),
                          HasSubstr("camera OK: grabbed"), HasSubstr("all three devices answered")));
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

// A notification socket as systemd's: the datagrams a service sends to it, in order.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path.string()) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  ~NotifySocket() { close(fd_); }
  const std::string& path() const { return path_; }
  // Everything received so far, one message per line.
  std::string received() {
    char buffer[4096];
    for (ssize_t n; (n = recv(fd_, buffer, sizeof buffer, 0)) > 0;) messages_ += std::string(buffer, n) + "\n";
    return messages_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::string messages_;
};

// Starts the kiosk with `profile` and extra environment; stderr goes to `log`. 0 when it cannot.
pid_t start_kiosk(const std::string& profile, const std::string& log, std::vector<std::string> extra_env) {
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  for (auto& e : extra_env) env.push_back(e.data());
  env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const char* argv[] = {KIOSK_BINARY, "--config", profile.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, KIOSK_BINARY, &actions, nullptr, const_cast<char**>(argv), env.data()) != 0) pid = 0;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// SIGTERM, then SIGKILL if it is still there after 10 s.
void stop_kiosk(pid_t pid) {
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) != 0) return;
    usleep(50'000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// A kiosk is stopped by systemd with SIGTERM; it must go, and say so, not hang on its devices.
TEST(KioskProgram, SigtermStopsARunningKioskCleanly) {
  ASSERT_TRUE(std::filesystem::exists(kFaceSource)) << kFaceSource << " is missing";
  testing::ScratchDir dir;
  const std::string profile = write_simulation_profile(dir).string();
  const std::string log = (dir / "kiosk.log").string();
  const pid_t pid = start_kiosk(profile, log, {});
  ASSERT_GT(pid, 0);

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

// systemd (Type=notify, WatchdogSec=): ready only once the devices answered, the watchdog fed
// from the main loop while it runs, and "stopping" on SIGTERM.
TEST(KioskProgram, UnderSystemdItIsReadyOnlyWithItsDevicesAndFeedsTheWatchdog) {
  ASSERT_TRUE(std::filesystem::exists(kFaceSource)) << kFaceSource << " is missing";
  testing::ScratchDir dir;
  NotifySocket notify(dir / "notify.sock");
  const std::string log = (dir / "kiosk.log").string();
  const pid_t pid = start_kiosk(write_simulation_profile(dir).string(), log,
                                {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=400000"});
  for (int i = 0; i < 600 && notify.received().find("READY=1") == std::string::npos; ++i) usleep(50'000);
  const std::string before = notify.received();
  ASSERT_THAT(before, HasSubstr("READY=1\nSTATUS=serving applicants")) << testing::read_file(log);
  EXPECT_LT(before.find("STATUS=checking the devices"), before.find("READY=1")) << before;
  EXPECT_THAT(testing::read_file(log), HasSubstr("all three devices answered"));
  const auto fed = [&] {
    const std::string r = notify.received();
    int n = 0;
    for (auto at = r.find("WATCHDOG=1"); at != std::string::npos; at = r.find("WATCHDOG=1", at + 1)) ++n;
    return n;
  };
  const int fed_before = fed();
  usleep(1'000'000);  // 200 ms a feed: about five in a second
  EXPECT_GE(fed() - fed_before, 3) << notify.received();
  stop_kiosk(pid);
  EXPECT_THAT(notify.received(), HasSubstr("STOPPING=1"));
}

TEST(KioskProgram, UnderSystemdAMissingDeviceKeepsItFromBeingReady) {
  testing::ScratchDir dir;
  NotifySocket notify(dir / "notify.sock");
  auto profile = write_simulation_profile(dir);
  std::string text = testing::read_file(profile);
  text.replace(text.find("pnm:0"), 5, "pnm:7");  // no such scanner
  std::ofstream(profile) << text;
  const std::string log = (dir / "kiosk.log").string();
  const pid_t pid = start_kiosk(profile.string(), log, {"NOTIFY_SOCKET=" + notify.path()});
  for (int i = 0; i < 600 && notify.received().find("not ready") == std::string::npos; ++i) usleep(50'000);
  const std::string said = notify.received();
  stop_kiosk(pid);
  EXPECT_THAT(said, AllOf(HasSubstr("STATUS=not ready: a device did not answer"), Not(HasSubstr("READY=1"))))
      << testing::read_file(log);
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
