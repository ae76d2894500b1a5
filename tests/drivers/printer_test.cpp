// The receipt printer through CUPS: a real scheduler (cupsd, started here with its own folders
// and socket) with a queue whose backend writes each job to a folder, as a printer would put it on
// paper. A job arrives whole; a queue that does not exist and a scheduler that is gone give clear
// errors, not a hang.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "drivers/printer/printer.hpp"
#include "tests/support/test_support.hpp"

extern char** environ;

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

class PrinterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "cupsd runs its backends as root or lp: this test needs root";
    if (!std::filesystem::exists("/usr/sbin/cupsd")) GTEST_SKIP() << "cups-daemon is not installed";
    for (const char* d : {"etc", "spool", "cache", "state", "log", "bin/backend", "out"}) {
      std::filesystem::create_directories(dir_ / d);
    }
    std::filesystem::create_directory_symlink("/usr/lib/cups/daemon", dir_ / "bin/daemon");
    std::filesystem::permissions(dir_ / "out", std::filesystem::perms::all);
    socket_ = (dir_ / "cups.sock").string();
    std::ofstream(dir_ / "etc/cupsd.conf") << "Listen " << socket_ << "\nLogLevel info\nWebInterface No\n"
                                           << "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n";
    std::ofstream(dir_ / "etc/cups-files.conf")
        << "ServerRoot " << (dir_ / "etc").string() << "\nRequestRoot " << (dir_ / "spool").string()
        << "\nCacheDir " << (dir_ / "cache").string() << "\nStateDir " << (dir_ / "state").string()
        << "\nTempDir " << (dir_ / "spool").string() << "\nErrorLog " << (dir_ / "log/error_log").string()
        << "\nAccessLog " << (dir_ / "log/access_log").string() << "\nPageLog " << (dir_ / "log/page_log").string()
        << "\nServerBin " << (dir_ / "bin").string() << "\nDataDir /usr/share/cups\n";
    // The "printer": a backend that keeps each job's document.
    const auto backend = dir_ / "bin/backend/keep";
    std::ofstream(backend) << "#!/bin/sh\n[ $# -eq 0 ] && { echo 'direct keep \"Unknown\" \"Keep\"'; exit 0; }\n"
                           << "cat \"${6:--}\" > \"${DEVICE_URI#keep:}/job-$1.pdf\"\n";
    std::filesystem::permissions(backend, std::filesystem::perms::owner_all);
    start_cupsd();
    setenv("CUPS_SERVER", socket_.c_str(), 1);
    const auto added = testing::run_program("CUPS_SERVER=" + socket_ + " lpadmin -p receipts -E -v keep:" +
                                            (dir_ / "out").string() + " -m raw");
    ASSERT_EQ(added.exit_code, 0) << added.output;
  }

  void TearDown() override { stop_cupsd(); }

  void start_cupsd() {
    const std::string conf = (dir_ / "etc/cupsd.conf").string(), files = (dir_ / "etc/cups-files.conf").string();
    std::vector<std::string> args = {"/usr/sbin/cupsd", "-f", "-c", conf, "-s", files};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&cupsd_, argv[0], nullptr, nullptr, argv.data(), environ), 0);
    for (int i = 0; i < 100 && !std::filesystem::exists(socket_); ++i) std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(std::filesystem::exists(socket_)) << "cupsd did not start";
  }

  void stop_cupsd() {
    if (cupsd_ <= 0) return;
    kill(cupsd_, SIGTERM);
    waitpid(cupsd_, nullptr, 0);
    cupsd_ = 0;
  }

  std::optional<Result<PrintJob>> print(const std::string& destination, std::string pdf) {
    auto printer = make_cups_printer(io_.get_executor(), destination, 5s);
    std::optional<Result<PrintJob>> done;
    printer->print(std::move(pdf), "Receipt", [&](Result<PrintJob> r) { done = std::move(r); });
    testing::run_until(io_, done, 30s);
    return done;
  }

  testing::ScratchDir dir_;
  std::string socket_;
  pid_t cupsd_ = 0;
  boost::asio::io_context io_;
};

const std::string kPdf = "%PDF-1.5\n% a receipt\n" + std::string(20000, 'x') + "\n%%EOF\n";

TEST_F(PrinterTest, AJobReachesThePrinterWhole) {
  auto done = print("receipts", kPdf);
  ASSERT_TRUE(done && *done) << (done ? (*done).error().message() : "no answer");
  EXPECT_GT((*done)->id, 0);
  const auto kept = dir_ / "out" / ("job-" + std::to_string((*done)->id) + ".pdf");
  // The scheduler runs the backend after the job is accepted: give it a moment.
  for (int i = 0; i < 100 && testing::read_file(kept).size() < kPdf.size(); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(testing::read_file(kept), kPdf);
}

TEST_F(PrinterTest, AQueueThatDoesNotExistIsNamedInTheError) {
  auto done = print("no-such-printer", kPdf);
  ASSERT_TRUE(done && !*done);
  EXPECT_EQ((*done).error().code, ProblemCode::kNotFound);
  EXPECT_NE((*done).error().message().find("no-such-printer"), std::string::npos) << (*done).error().message();
}

TEST_F(PrinterTest, AGoneSchedulerIsAnErrorNotAHang) {
  stop_cupsd();
  const auto started = std::chrono::steady_clock::now();
  auto done = print("receipts", kPdf);
  ASSERT_TRUE(done) << "no answer within 30 s";
  EXPECT_FALSE(*done);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
}

}  // namespace
}  // namespace kiosk::drivers
