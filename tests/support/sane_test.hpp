// A test that talks to SANE's own virtual backends (pnm and test): SANE configured for them in a
// scratch folder, the scanner driver on the test's io_context, and opening a device by name.
// Link tests/support/sane_test_main.cpp with it (see there why).
#pragma once

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "drivers/scanner/scanner.hpp"
#include "sim/rig.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::testing {

class SaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::write_sane_config(scratch_ / "sane", {"pnm", "test"});
    setenv("SANE_CONFIG_DIR", (scratch_ / "sane").c_str(), 1);  // read by sane_init
    scanner_ = drivers::make_sane_scanner(io_.get_executor());
  }

  void open(const std::string& device) {
    std::optional<drivers::Result<drivers::ScannerInfo>> opened;
    scanner_->open(device, [&](auto r) { opened = std::move(r); });
    ASSERT_TRUE(run_until(io_, opened));
    ASSERT_TRUE(opened->has_value()) << opened->error().message();
  }

  boost::asio::io_context io_;
  ScratchDir scratch_;
  std::unique_ptr<drivers::Scanner> scanner_;
};

}  // namespace kiosk::testing
