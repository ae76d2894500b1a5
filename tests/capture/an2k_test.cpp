// ANSI/NIST-ITL traditional encoding: our writer's LEN and CNT are exact, our files read back
// field for field and byte for byte, bad files are refused with a reason, and NIST's own sample
// transactions parse.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "capture/an2k/transaction.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk::an2k {
namespace {

using ::testing::HasSubstr;

// Image bytes that contain every separator, as compressed images do.
std::string binary_image(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 37 + 11) % 256);
  bytes[0] = kFS;
  bytes[1] = kGS;
  bytes[2] = kRS;
  bytes[3] = kUS;
  return bytes;
}

Transaction sample() {
  Transaction t;
  Record type1(1);
  type1.set(2, "0502");
  type1.set(4, "VISA");
  type1.set(5, "20261121");
  type1.set(7, "CONSULATE01");
  type1.set(8, "SIMKIOSK01");
  type1.set(9, "TCN-0001");
  type1.set(11, "00.00");
  type1.set(12, "19.69");
  type1.set(13, Subfields{{"KIOSK", "0.1"}});
  type1.set(14, "20261121101500Z");
  t.records.push_back(type1);
  Record type2(2);
  type2.set(kIdc, "00");
  t.records.push_back(type2);
  for (int finger = 1; finger <= 2; ++finger) {
    Record type14(14);
    type14.set(kIdc, "0" + std::to_string(finger));
    type14.set(3, "0");
    type14.set(13, std::to_string(finger));
    type14.set(11, "PNG");
    type14.set(24, Subfields{{"1", "80"}, {"2", "75"}});
    type14.set(kData, binary_image(5000 + finger));
    t.records.push_back(type14);
  }
  return t;
}

// The LEN of every record in `bytes`, checked against where the next record begins.
void expect_exact_lengths(const std::string& bytes, std::size_t records) {
  std::size_t pos = 0;
  for (std::size_t r = 0; r < records; ++r) {
    const std::size_t colon = bytes.find(':', pos);
    const std::size_t gs = bytes.find(kGS, colon);
    const std::size_t length = std::stoul(bytes.substr(colon + 1, gs - colon - 1));
    ASSERT_LE(pos + length, bytes.size());
    EXPECT_EQ(bytes[pos + length - 1], kFS) << "record " << r + 1;
    pos += length;
  }
  EXPECT_EQ(pos, bytes.size());
}

TEST(An2k, TransactionRoundTripsFieldForFieldAndImageByteForByte) {
  const Transaction original = sample();
  const auto bytes = encode(original);
  ASSERT_TRUE(bytes.has_value()) << bytes.error();
  expect_exact_lengths(*bytes, 4);
  const auto read = decode(*bytes);
  ASSERT_TRUE(read.has_value()) << read.error();
  ASSERT_EQ(read->records.size(), original.records.size());
  for (std::size_t r = 0; r < original.records.size(); ++r) {
    for (const Field& f : original.records[r].fields()) {
      const Field* back = read->records[r].find(f.number);
      ASSERT_NE(back, nullptr) << "record " << r + 1 << " field " << f.number;
      EXPECT_TRUE(back->value == f.value) << "record " << r + 1 << " field " << f.number;
    }
  }
  // Written again, it is the same file.
  EXPECT_EQ(encode(*read).value(), *bytes);
}

TEST(An2k, CntListsEveryRecordWithItsIdc) {
  const auto read = decode(encode(sample()).value()).value();
  const Subfields cnt = read.records[0].find(3)->subfields();
  const Subfields expected = {{"1", "3"}, {"2", "00"}, {"14", "01"}, {"14", "02"}};
  EXPECT_EQ(cnt, expected);
}

// LEN counts its own digits: lengths around 99/100 and 999/1000 bytes must come out exact.
class An2kLengthTest : public ::testing::TestWithParam<int> {};

TEST_P(An2kLengthTest, LenIsExactAcrossDigitBoundaries) {
  Transaction t = sample();
  t.records.erase(t.records.begin() + 2, t.records.end());
  t.records[1].set(20, std::string(static_cast<std::size_t>(GetParam()), 'X'));
  const auto bytes = encode(t);
  ASSERT_TRUE(bytes.has_value());
  expect_exact_lengths(*bytes, 2);
  EXPECT_TRUE(decode(*bytes).has_value());
}

INSTANTIATE_TEST_SUITE_P(AroundBoundaries, An2kLengthTest,
                         ::testing::Range(70, 95), [](const auto& test) {
                           return "value" + std::to_string(test.param);
                         });
INSTANTIATE_TEST_SUITE_P(AroundThousand, An2kLengthTest, ::testing::Range(965, 990));

TEST(An2k, TruncatedFileIsRefusedWithWhereAndHowMuch) {
  const std::string bytes = encode(sample()).value();
  const auto read = decode(std::string_view(bytes).substr(0, bytes.size() - 100));
  ASSERT_FALSE(read.has_value());
  EXPECT_THAT(read.error(), HasSubstr("record 4 (Type-14)"));
  EXPECT_THAT(read.error(), HasSubstr("truncated"));
}

TEST(An2k, MissingRecordsAreRefused) {
  const std::string bytes = encode(sample()).value();
  const std::size_t third = bytes.find("14.001:");
  const auto read = decode(std::string_view(bytes).substr(0, third));
  ASSERT_FALSE(read.has_value());
  EXPECT_THAT(read.error(), HasSubstr("ends after 2 of 4 records"));
}

TEST(An2k, TrailingBytesAreRefused) {
  const auto read = decode(encode(sample()).value() + "junk");
  ASSERT_FALSE(read.has_value());
  EXPECT_THAT(read.error(), HasSubstr("4 bytes follow the last record"));
}

TEST(An2k, SomethingElseIsRefused) {
  for (const std::string& junk : {std::string(), std::string("\x89PNG\r\n\x1a\n"),
                                 std::string("1.001:abc\x1d")}) {
    const auto read = decode(junk);
    EXPECT_FALSE(read.has_value()) << "accepted " << junk.size() << " bytes of junk";
  }
}

TEST(An2k, OnlyTaggedRecordsAreWritten) {
  Transaction t = sample();
  t.records.push_back(Record(4));
  const auto bytes = encode(t);
  ASSERT_FALSE(bytes.has_value());
  EXPECT_THAT(bytes.error(), HasSubstr("binary Type-4"));
}

TEST(An2k, FieldNames) {
  EXPECT_EQ(field_name(14, 13), "FGP");
  EXPECT_EQ(field_name(1, 2), "VER");
  EXPECT_EQ(field_name(10, 2), "IDC");
  EXPECT_EQ(field_name(14, 999), "DATA");
}

// Other producers' files: NIST's NBIS sample transactions, from ../shared when it is there.
struct NistFile {
  const char* name;
  int image_type;          // the record type holding the images
  std::size_t images;      // how many such records
  unsigned char marker;    // second byte of the image codec's start marker
};

class NistSampleTest : public ::testing::TestWithParam<NistFile> {};

TEST_P(NistSampleTest, Parses) {
  const std::filesystem::path file =
      std::filesystem::path(KIOSK_SOURCE_DIR) / "../shared/data/an2k" / GetParam().name;
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is absent (../shared not beside the clone)";
  const auto read = decode(testing::read_file(file));
  ASSERT_TRUE(read.has_value()) << read.error();
  std::size_t images = 0;
  for (const Record& r : read->records) {
    if (r.type() != GetParam().image_type) continue;
    ++images;
    const Field* data = r.find(kData);
    ASSERT_NE(data, nullptr);
    ASSERT_GE(data->value.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(data->value[0]), 0xFF);
    EXPECT_EQ(static_cast<unsigned char>(data->value[1]), GetParam().marker);
  }
  EXPECT_EQ(images, GetParam().images);
}

INSTANTIATE_TEST_SUITE_P(
    NbisSamples, NistSampleTest,
    ::testing::Values(NistFile{"valid1.3.an2", 10, 1, 0xD8},  // JPEG SOI
                      NistFile{"valid1.7.an2", 14, 1, 0xD8},
                      NistFile{"valid1.8.an2", 14, 3, 0xA0},  // WSQ SOI
                      NistFile{"face_jpb_DOM_GMT_DCS.an2", 10, 1, 0xD8}),
    [](const auto& test) {
      std::string n = test.param.name;
      for (char& ch : n) if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

}  // namespace
}  // namespace kiosk::an2k
