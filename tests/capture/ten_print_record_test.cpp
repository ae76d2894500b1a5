// The ten-print transaction: what a receiving AFIS reads back from our file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "capture/finger/ten_print_record.hpp"
#include "sim/fingerprint_synth.hpp"

namespace kiosk::finger {
namespace {

using ::testing::HasSubstr;

TransactionInfo info() {
  TransactionInfo i;
  i.destination_agency = "MFA-CONSULAR";
  i.originating_agency = "KIOSK-SIM-01";
  i.control_number = "TCN-2026-000001";
  i.when = std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) + std::chrono::hours(9) +
           std::chrono::minutes(30);
  return i;
}

cv::Mat print(int position) {
  sim::FingerprintSpec spec;
  spec.seed = static_cast<std::uint32_t>(position);
  spec.pattern = sim::pattern_for_finger(position, 1);
  return sim::synthesize_fingerprint(spec);
}

class TenPrintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int position = 1; position <= 10; ++position) {
      if (position == 3 || position == 9) continue;
      fingers_.push_back({position, print(position), 500, 40 + position});
    }
    missing_ = {{3, MissingCode::kAmputated}, {9, MissingCode::kUnableToPrint}};
    auto t = ten_print_transaction(info(), fingers_, missing_);
    ASSERT_TRUE(t.has_value()) << t.error();
    auto bytes = an2k::encode(*t);
    ASSERT_TRUE(bytes.has_value()) << bytes.error();
    auto read = an2k::decode(*bytes);
    ASSERT_TRUE(read.has_value()) << read.error();
    read_ = std::move(*read);
  }

  std::vector<FingerImage> fingers_;
  std::vector<MissingFinger> missing_;
  an2k::Transaction read_;
};

TEST_F(TenPrintTest, Type1SaysVersionDatesAndAgencies) {
  const an2k::Record& t1 = read_.records[0];
  EXPECT_EQ(t1.text(2), "0502");
  EXPECT_EQ(t1.text(4), "VISA");
  EXPECT_EQ(t1.text(5), "20261121");
  EXPECT_EQ(t1.text(7), "MFA-CONSULAR");
  EXPECT_EQ(t1.text(8), "KIOSK-SIM-01");
  EXPECT_EQ(t1.text(9), "TCN-2026-000001");
  EXPECT_EQ(t1.text(14), "20261121093000Z");
  EXPECT_EQ(t1.find(13)->subfields(), (an2k::Subfields{{"CONSULAR-KIOSK", "1.0"}}));
  // CNT: Type-2 and ten Type-14 records.
  EXPECT_EQ(t1.find(3)->subfields().front(), (std::vector<std::string>{"1", "11"}));
}

TEST_F(TenPrintTest, OneType14PerFingerPositionInOrder) {
  ASSERT_EQ(read_.records.size(), 12u);
  EXPECT_EQ(read_.records[1].type(), 2);
  for (int position = 1; position <= 10; ++position) {
    const an2k::Record& r = read_.records[static_cast<std::size_t>(position) + 1];
    EXPECT_EQ(r.type(), 14);
    EXPECT_EQ(r.text(13), std::to_string(position));
    EXPECT_EQ(r.text(3), "0") << "flat live-scan impression";
  }
}

TEST_F(TenPrintTest, CapturedFingersCarryTheirImagePixelForPixel) {
  for (const FingerImage& f : fingers_) {
    const an2k::Record& r = read_.records[static_cast<std::size_t>(f.position) + 1];
    EXPECT_EQ(r.text(6), std::to_string(f.grey.cols));
    EXPECT_EQ(r.text(7), std::to_string(f.grey.rows));
    EXPECT_EQ(r.text(8), "1");
    EXPECT_EQ(r.text(9), "500");
    EXPECT_EQ(r.text(10), "500");
    EXPECT_EQ(r.text(11), "PNG");
    EXPECT_EQ(r.text(12), "8");
    EXPECT_EQ(r.find(24)->subfields().front()[1], std::to_string(f.quality));
    const std::string& png = r.find(an2k::kData)->value;
    const cv::Mat back = cv::imdecode(std::vector<std::uint8_t>(png.begin(), png.end()),
                                      cv::IMREAD_UNCHANGED);
    ASSERT_EQ(back.type(), CV_8UC1) << "finger " << f.position;
    EXPECT_EQ(cv::norm(back, f.grey, cv::NORM_INF), 0) << "finger " << f.position;
  }
}

TEST_F(TenPrintTest, MissingFingersCarryAmpAndNoImage) {
  for (const MissingFinger& m : missing_) {
    const an2k::Record& r = read_.records[static_cast<std::size_t>(m.position) + 1];
    EXPECT_EQ(r.find(18)->subfields(),
              (an2k::Subfields{{std::to_string(m.position), std::string(code_of(m.code))}}));
    EXPECT_EQ(r.find(an2k::kData), nullptr);
    EXPECT_EQ(r.find(11), nullptr) << "no compression field without an image";
  }
}

TEST(TenPrint, FingerGivenTwiceIsRefused) {
  const auto t = ten_print_transaction(info(), {{2, print(2)}}, {{2, MissingCode::kAmputated}});
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error(), HasSubstr("position 2 is given twice"));
}

TEST(TenPrint, PositionOutOfRangeIsRefused) {
  const auto t = ten_print_transaction(info(), {{11, print(1)}}, {});
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error(), HasSubstr("11 is not 1"));
}

TEST(TenPrint, AnEmptyMandatoryType1FieldIsRefusedByName) {
  TransactionInfo no_destination = info();
  no_destination.destination_agency.clear();
  const auto t = ten_print_transaction(no_destination, {{1, print(1)}}, {});
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error(), HasSubstr("1.007 DAI"));
  TransactionInfo no_tcn = info();
  no_tcn.control_number.clear();
  EXPECT_THAT(ten_print_transaction(no_tcn, {{1, print(1)}}, {}).error(), HasSubstr("1.009 TCN"));
}

TEST(TenPrint, ColourImageIsRefused) {
  cv::Mat colour(400, 300, CV_8UC3, cv::Scalar(200, 200, 200));
  const auto t = ten_print_transaction(info(), {{1, colour}}, {});
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error(), HasSubstr("8-bit grey"));
}

}  // namespace
}  // namespace kiosk::finger
