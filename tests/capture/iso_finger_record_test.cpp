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
