// The receipt printer through CUPS: a real scheduler (cupsd, started by tools/sim-printer with its
// own folders and socket) with a queue whose backend writes each job to a folder, as a printer
// would put it on paper. A job arrives whole; a queue that does not exist and a scheduler that is gone give clear
// errors, not a hang. And the printer of tools/run's profile is reached as that profile names it.
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "drivers/printer/printer.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

class PrinterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "cupsd runs the printer's backend only as root";
    const auto started = testing::run_program(tool_ + " start " + dir_.path().string());
    ASSERT_EQ(started.exit_code, 0) << started.output;
    server_ = (dir_ / "cups.sock").string();
  }

  void TearDown() override { stop_cupsd(); }
  void stop_cupsd() { testing::run_program(tool_ + " stop " + dir_.path().string()); }

  std::optional<Result<PrintJob>> print(const std::string& destination, std::string pdf) {
    auto printer = make_cups_printer(io_.get_executor(), destination, server_, 5s);
    std::optional<Result<PrintJob>> done;
    printer->print(std::move(pdf), "Receipt", [&](Result<PrintJob> r) { done = std::move(r); });
    testing::run_until(io_, done, 30s);
    return done;
  }

  const std::string tool_ = std::string(KIOSK_SOURCE_DIR) + "/tools/sim-printer";
  testing::ScratchDir dir_;
  std::string server_;
  boost::asio::io_context io_;
};

const std::string kPdf = "%PDF-1.5\n% a receipt\n" + std::string(20000, 'x') + "\n%%EOF\n";

TEST_F(PrinterTest, AJobReachesThePrinterWhole) {
  auto done = print("receipts", kPdf);
  ASSERT_TRUE(done && *done) << (done ? (*done).error().message() : "no answer");
  EXPECT_GT((*done)->id, 0);
  const auto kept = dir_ / "printed" / ("job-" + std::to_string((*done)->id) + ".pdf");
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

TEST(RunProfilePrinter, TheReceiptReachesThePrinterThatToolsRunStarts) {
  if (geteuid() != 0) GTEST_SKIP() << "cupsd runs the printer's backend only as root";
  // A checkout's layout in a scratch folder: config/defaults as shipped, and the simulated printer
  // started where tools/run starts it (var/simulation/printer). The profile is loaded as tools/run
  // names it, by a path relative to the checkout, and its printer section is used as it is.
  testing::ScratchDir checkout;
  std::filesystem::create_directories(checkout / "config");
  std::filesystem::copy(std::string(KIOSK_SOURCE_DIR) + "/config/defaults", checkout / "config" / "defaults",
                        std::filesystem::copy_options::recursive);
  const std::string tool = std::string(KIOSK_SOURCE_DIR) + "/tools/sim-printer";
  const auto printer_dir = checkout / "var" / "simulation" / "printer";
  const auto started = testing::run_program(tool + " start " + printer_dir.string());
  ASSERT_EQ(started.exit_code, 0) << started.output;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(checkout.path());
  const config::Config profile = config::load("config/defaults/simulation.json");
  std::filesystem::current_path(cwd);

  boost::asio::io_context io;
  auto printer = make_cups_printer(io.get_executor(), profile.printer.destination, profile.printer.server, 5s);
  std::optional<Result<PrintJob>> done;
  printer->print(kPdf, "Receipt", [&](Result<PrintJob> r) { done = std::move(r); });
  testing::run_until(io, done, 30s);
  testing::run_program(tool + " stop " + printer_dir.string());
  ASSERT_TRUE(done && *done) << (done ? (*done).error().message() : "no answer") << " (server " << profile.printer.server << ")";
}

}  // namespace
}  // namespace kiosk::drivers
