// kioskctl as a technician uses it: dumping an ANSI/NIST-ITL file, and a broken one.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "capture/an2k/transaction.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string one_finger_transaction() {
  an2k::Transaction t;
  an2k::Record type1(1);
  type1.set(2, "0502");
  t.records.push_back(type1);
  an2k::Record type14(14);
  type14.set(13, "1");
  type14.set(11, "PNG");
  type14.set(an2k::kData, std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, 'x'));
  t.records.push_back(type14);
  return an2k::encode(t).value();
}

TEST(Kioskctl, An2kDumpListsRecordsAndNamedFields) {
  testing::ScratchDir dir;
  const auto file = dir / "one.an2";
  std::ofstream(file, std::ios::binary) << one_finger_transaction();
  const auto r = testing::run_program(KIOSKCTL_BINARY " an2k dump " + file.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("2 records"), HasSubstr("record 2: Type-14"),
                              HasSubstr("14.013 FGP  1"), HasSubstr("1.003 CNT  1, 1 | 14, 01"),
                              HasSubstr("<108 bytes: PNG image>")));
}

TEST(Kioskctl, An2kDumpOfATruncatedFileSaysWhy) {
  testing::ScratchDir dir;
  const auto file = dir / "cut.an2";
  const std::string bytes = one_finger_transaction();
  std::ofstream(file, std::ios::binary) << bytes.substr(0, bytes.size() - 20);
  const auto r = testing::run_program(KIOSKCTL_BINARY " an2k dump " + file.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, AllOf(HasSubstr(file.string()), HasSubstr("record 2 (Type-14)"),
                              HasSubstr("truncated")));
}

TEST(Kioskctl, UnknownCommandShowsUsage) {
  const auto r = testing::run_program(KIOSKCTL_BINARY " frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("usage: kioskctl an2k dump FILE"));
}

}  // namespace
}  // namespace kiosk
