// Every command-line tool fed broken input, as a technician's slip or a hostile file would: an
// image that declares 100000 x 100000 pixels in 24 bytes, truncated JPEG and PNG files, a TIFF
// whose first directory lies past 4 GiB, a file of the wrong format, an empty file, NaN and
// infinity where a number is asked, ports out of range.
// Each must end with exit status 1 (bad file) or 2 (bad usage) and a sentence, never an abort.
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "capture/image_file.hpp"
#include "sim/fingerprint_synth.hpp"
#include "tests/support/test_support.hpp"

namespace kiosk {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

struct BrokenFile {
  std::string name;
  std::string bytes;
  std::string says;  // what the tool must say of it
};

std::string encoded(const char* extension) {
  std::vector<std::uint8_t> bytes;
  cv::imencode(extension, sim::synthesize_fingerprint({}), bytes);
  return {bytes.begin(), bytes.end()};
}

std::vector<BrokenFile> broken_files() {
  const std::string jpeg = encoded(".jpg"), png = encoded(".png");
  std::string huge_png = png.substr(0, 33);  // signature and IHDR, declaring 70000 x 70000
  for (int at : {16, 20}) {
    huge_png[at] = 0;
    huge_png[at + 1] = 1;
    huge_png[at + 2] = 0x11;
    huge_png[at + 3] = 0x70;
  }
  return {
      {"huge.pgm", "P5\n100000 100000\n255\n", "100000 x 100000 pixels, more than the"},
      {"huge.png", huge_png, "70000 x 70000 pixels, more than the"},
      {"cut.jpg", jpeg.substr(0, jpeg.size() / 2), "the JPEG file is cut short"},
      {"cut.png", png.substr(0, png.size() / 2), "the PNG file is cut short"},
      {"header.jpg", jpeg.substr(0, 40), "the JPEG header is cut short or damaged"},
      {"text.png", "this is not an image\n", "not a PNG, JPEG, TIFF, BMP or PNM image"},
      {"empty.jpg", "", "the file is empty"},
      {"wrapped.tif", std::string("II*\0\xff\xff\xff\xff", 8), "the TIFF header is cut short or damaged"},
  };
}

class KioskctlInput : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const BrokenFile& f : broken_files()) std::ofstream(dir_ / f.name, std::ios::binary) << f.bytes;
  }
  // Runs `command` with FILE replaced by each broken file; each must exit 1 and say why.
  void each_file_refused(const std::string& command) {
    for (const BrokenFile& f : broken_files()) {
      std::string line = command;
      line.replace(line.find("FILE"), 4, (dir_ / f.name).string());
      const auto r = testing::run_program(std::string(KIOSKCTL_BINARY) + " " + line);
      EXPECT_EQ(r.exit_code, 1) << line << "\n" << r.output;
      EXPECT_THAT(r.output, AllOf(HasSubstr(f.name), HasSubstr(f.says), Not(HasSubstr("terminate")),
                                  Not(HasSubstr("Premature end"))))
          << line;
    }
  }
  testing::ScratchDir dir_;
};

TEST_F(KioskctlInput, EveryImageCommandRefusesBrokenFilesWithASentence) {
  const std::string config = " --config " KIOSK_SOURCE_DIR "/config/defaults/simulation.json";
  each_file_refused("finger quality FILE");
  each_file_refused("finger record --out " + (dir_ / "out.an2").string() + " --finger 1=FILE");
  each_file_refused("finger record --format iso --out " + (dir_ / "out.iso").string() + " --finger 1=FILE");
  each_file_refused("mrz FILE");
  each_file_refused("document check FILE");
  each_file_refused("document encode FILE --rule photo-jpeg --out " + (dir_ / "out.jpg").string() + config);
  each_file_refused("photo check FILE --spec china-visa" + config);
  each_file_refused("photo make FILE --spec china-visa --out " + (dir_ / "photo.jpg").string() + config);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.an2")) << "nothing written from a broken file";
}

TEST_F(KioskctlInput, NumbersMustBeWholeFiniteAndInRange) {
  const std::string print = (dir_ / "print.png").string();
  ASSERT_TRUE(cv::imwrite(print, sim::synthesize_fingerprint({})));
  for (const char* bad : {"nan", "inf", "-inf", "1e999", "500abc", "", "0x1F4"}) {
    const auto quality = testing::run_program(std::string(KIOSKCTL_BINARY) + " finger quality " + print +
                                              " --ppi '" + bad + "'");
    EXPECT_EQ(quality.exit_code, 2) << bad << ": " << quality.output;
    EXPECT_THAT(quality.output, HasSubstr("--ppi wants a resolution from 250 to 2000"));
    const auto record = testing::run_program(std::string(KIOSKCTL_BINARY) + " finger record --out " +
                                             (dir_ / "x.an2").string() + " --ppi '" + bad +
                                             "' --finger 1=" + print);
    EXPECT_EQ(record.exit_code, 2) << bad << ": " << record.output;
    const auto dpi = testing::run_program(std::string(KIOSKCTL_BINARY) + " document check " + print +
                                          " --dpi '" + bad + "'");
    EXPECT_EQ(dpi.exit_code, 2) << bad << ": " << dpi.output;
    EXPECT_THAT(dpi.output, HasSubstr("--dpi wants a resolution from 50 to 2400"));
  }
  const auto position = testing::run_program(std::string(KIOSKCTL_BINARY) + " finger record --out " +
                                             (dir_ / "x.an2").string() + " --finger 1x=" + print);
  EXPECT_EQ(position.exit_code, 2) << position.output;
}

TEST_F(KioskctlInput, TheOfficeTakesOnlyARealPort) {
  for (const char* bad : {"abc", "99999999999", "70000", "-1", "8443x", "nan"}) {
    const auto r = testing::run_program(std::string(KIOSK_OFFICE_BINARY) + " serve --store " +
                                        dir_.path().string() + " --pki " + dir_.path().string() +
                                        " --port '" + bad + "'");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(std::string("--port wants a port from 0 (any free one) to 65535, not ") + bad));
  }
}

TEST(ImageFile, TheHeaderIsReadForEveryFormatWeTake) {
  const cv::Mat grey(37, 53, CV_8UC1, cv::Scalar(90));
  for (const char* extension : {".png", ".jpg", ".tif", ".bmp", ".pgm"}) {
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(cv::imencode(extension, grey, bytes)) << extension;
    const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const auto header = capture::read_image_header(view);
    ASSERT_TRUE(header.has_value()) << extension << ": " << header.error();
    EXPECT_EQ(header->width, 53) << extension;
    EXPECT_EQ(header->height, 37) << extension;
    const auto image = capture::decode_image(view, cv::IMREAD_GRAYSCALE);
    ASSERT_TRUE(image.has_value()) << extension << ": " << image.error();
    EXPECT_EQ(image->size(), grey.size());
  }
}

}  // namespace
}  // namespace kiosk
