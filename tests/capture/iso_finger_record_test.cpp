// The ISO/IEC 19794-4:2011 record, read back field by field as a receiver would.
#include "capture/finger/iso_finger_record.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "sim/fingerprint_synth.hpp"

namespace kiosk::finger {
namespace {

using namespace std::chrono;

// Reads big-endian numbers off the front of a byte string.
struct Cursor {
  const std::string& bytes;
  std::size_t at = 0;
  std::uint64_t take(int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(bytes.at(at++));
    return v;
  }
  std::string raw(std::size_t n) {
    std::string s = bytes.substr(at, n);
    at += n;
    return s;
  }
};

cv::Mat print(std::uint32_t seed, int width, int height) {
  sim::FingerprintSpec spec;
  spec.seed = seed;
  spec.width = width;
  spec.height = height;
  return sim::synthesize_fingerprint(spec);
}

TEST(IsoFingerRecord, EveryFieldReadsBackAndImagesArePixelExact) {
  const std::vector<FingerImage> fingers = {{1, print(1, 300, 400), 500, 64},
                                            {7, print(2, 256, 360), 1000, -1}};
  const auto when = sys_days(year(2026) / 11 / 21) + hours(9) + minutes(8) + seconds(7) +
                    milliseconds(654);
  const auto record = iso_finger_record(fingers, when);
  ASSERT_TRUE(record.has_value()) << record.error();
  Cursor c{*record};
  EXPECT_EQ(c.raw(4), std::string("FIR\0", 4));
  EXPECT_EQ(c.raw(4), std::string("020\0", 4));
  EXPECT_EQ(c.take(4), record->size());
  EXPECT_EQ(c.take(2), 2u);
  EXPECT_EQ(c.take(1), 0u);  // certification flag
  EXPECT_EQ(c.take(1), 2u);  // distinct finger positions
  for (const FingerImage& f : fingers) {
    const std::size_t start = c.at;
    const std::uint64_t length = c.take(4);
    EXPECT_EQ(c.take(2), 2026u);
    EXPECT_EQ(c.take(1), 11u);
    EXPECT_EQ(c.take(1), 21u);
    EXPECT_EQ(c.take(1), 9u);
    EXPECT_EQ(c.take(1), 8u);
    EXPECT_EQ(c.take(1), 7u);
    EXPECT_EQ(c.take(2), 654u);
    c.take(5);  // device technology, vendor, type
    const std::uint64_t quality_blocks = c.take(1);
    if (f.quality >= 0) {
      ASSERT_EQ(quality_blocks, 1u);
      EXPECT_EQ(c.take(1), static_cast<std::uint64_t>(f.quality));
      EXPECT_EQ(c.take(2), 0xFFFFu);
      EXPECT_EQ(c.take(2), 1u);
    } else {
      EXPECT_EQ(quality_blocks, 0u);
    }
    EXPECT_EQ(c.take(1), static_cast<std::uint64_t>(f.position));
    EXPECT_EQ(c.take(1), 1u);  // representation number
    EXPECT_EQ(c.take(1), 1u);  // pixels per inch
    for (int i = 0; i < 4; ++i) EXPECT_EQ(c.take(2), static_cast<std::uint64_t>(f.pixels_per_inch));
    EXPECT_EQ(c.take(1), 8u);  // bit depth
    EXPECT_EQ(c.take(1), 6u);  // PNG
    EXPECT_EQ(c.take(1), 0u);  // live-scan plain
    EXPECT_EQ(c.take(2), static_cast<std::uint64_t>(f.grey.cols));
    EXPECT_EQ(c.take(2), static_cast<std::uint64_t>(f.grey.rows));
    const std::string png = c.raw(c.take(4));
    EXPECT_EQ(c.at - start, length) << "representation length";
    const cv::Mat image =
        cv::imdecode(std::vector<std::uint8_t>(png.begin(), png.end()), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(image.type(), CV_8UC1);
    EXPECT_EQ(cv::norm(image, f.grey, cv::NORM_INF), 0) << "finger " << f.position;
  }
  EXPECT_EQ(c.at, record->size()) << "nothing after the last representation";
}

// Offsets taken from the standard's tables (ISO/IEC 19794-4:2011, 8.2 general header and 8.3
// finger representation header), not from our writer: a conforming reader looks exactly there.
TEST(IsoFingerRecord, FieldsSitAtTheOffsetsOfThe2011Tables) {
  const cv::Mat grey = print(3, 200, 300);
  const auto when = sys_days(year(2025) / 3 / 4) + hours(5) + minutes(6) + seconds(7);
  const auto record = iso_finger_record({{2, grey, 500, 80}, {2 + 5, grey, 500, 70}}, when);
  ASSERT_TRUE(record.has_value()) << record.error();
  const auto at = [&](std::size_t offset, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(record->at(offset + i));
    return v;
  };
  // General header: 16 bytes.
  EXPECT_EQ(record->substr(0, 8), std::string("FIR\0" "020\0", 8));
  EXPECT_EQ(at(8, 4), record->size());  // record length
  EXPECT_EQ(at(12, 2), 2u);             // number of finger representations
  EXPECT_EQ(at(14, 1), 0u);             // certification flag
  EXPECT_EQ(at(15, 1), 2u);             // number of distinct finger/palm positions
  // The first representation begins at byte 16.
  constexpr std::size_t r = 16;
  EXPECT_EQ(at(r + 4, 2), 2025u);  // capture year
  EXPECT_EQ(at(r + 6, 1), 3u);     // month
  EXPECT_EQ(at(r + 7, 1), 4u);     // day
  EXPECT_EQ(at(r + 8, 1), 5u);     // hour
  EXPECT_EQ(at(r + 18, 1), 1u);    // number of quality blocks
  EXPECT_EQ(at(r + 19, 1), 80u);   // quality score
  EXPECT_EQ(at(r + 24, 1), 2u);    // finger position: right index
  EXPECT_EQ(at(r + 26, 1), 1u);    // scale units: pixels per inch
  EXPECT_EQ(at(r + 27, 2), 500u);  // capture device horizontal sampling rate
  EXPECT_EQ(at(r + 33, 2), 500u);  // image vertical sampling rate
  EXPECT_EQ(at(r + 35, 1), 8u);    // bit depth
  EXPECT_EQ(at(r + 36, 1), 6u);    // compression: PNG
  EXPECT_EQ(at(r + 38, 2), 200u);  // horizontal line length
  EXPECT_EQ(at(r + 40, 2), 300u);  // vertical line length
  const std::uint64_t png_length = at(r + 42, 4);
  EXPECT_EQ(record->substr(r + 46, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(at(r, 4), 46 + png_length);  // representation length
  const std::size_t second = r + at(r, 4);
  EXPECT_EQ(at(second + 24, 1), 7u);  // the second finger's position: left index
  EXPECT_EQ(second + at(second, 4), record->size());
}

TEST(IsoFingerRecord, RefusesWhatTheFormatCannotHold) {
  const auto now = system_clock::now();
  const cv::Mat grey(10, 10, CV_8UC1, cv::Scalar(128));
  EXPECT_NE(iso_finger_record({{11, grey}}, now).error().find("not 1..10"), std::string::npos);
  EXPECT_NE(iso_finger_record({{2, grey}, {2, grey}}, now).error().find("twice"), std::string::npos);
  EXPECT_NE(iso_finger_record({{3, cv::Mat(10, 10, CV_8UC3)}}, now).error().find("8-bit grey"),
            std::string::npos);
}

}  // namespace
}  // namespace kiosk::finger
