// The photo as a Type-10 record in the enrolment transaction, read back by our own reader.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "capture/face/face_record.hpp"
#include "capture/face/photo_file.hpp"
#include "capture/finger/ten_print_record.hpp"
#include "config/services.hpp"

namespace kiosk::face {
namespace {

class FaceRecord : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto catalogue = config::load_service_catalogue(KIOSK_SOURCE_DIR "/config/defaults/services.json");
    spec_ = *catalogue.photo_spec("china-visa");
    cv::Mat portrait = cv::imread("/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg", cv::IMREAD_COLOR);
    ASSERT_FALSE(portrait.empty()) << "python-matplotlib-data is missing (tools/bootstrap installs it)";
    cv::resize(portrait, photo_, {spec_.width_px, spec_.height_px}, 0, 0, cv::INTER_AREA);
    auto file = encode_photo(photo_, spec_);
    ASSERT_TRUE(file) << file.error();
    jpeg_ = file->jpeg;
  }

  FaceRecordInput input() const {
    return {jpeg_, photo_.cols, photo_.rows, &spec_, "CNKIOSK01",
            std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + std::chrono::hours{9}};
  }

  config::PhotoSpec spec_;
  cv::Mat photo_;
  std::vector<std::uint8_t> jpeg_;
};

TEST_F(FaceRecord, ThePhotoTravelsInTheEnrolmentTransactionAsAType10Record) {
  finger::TransactionInfo info;
  info.originating_agency = "CNKIOSK01";
  info.control_number = "K1-000042";
  finger::FingerImage thumb{1, cv::Mat(400, 300, CV_8UC1, cv::Scalar(128)), 500, 80};
  auto transaction = finger::ten_print_transaction(info, {thumb}, {});
  ASSERT_TRUE(transaction) << transaction.error();
  auto record = face_record(input());
  ASSERT_TRUE(record) << record.error();
  add_face_record(*transaction, std::move(*record));

  const auto bytes = an2k::encode(*transaction);
  ASSERT_TRUE(bytes) << bytes.error();
  const auto read = an2k::decode(*bytes);
  ASSERT_TRUE(read) << read.error();
  ASSERT_EQ(read->records.size(), 4u);
  EXPECT_EQ(read->records[0].type(), 1);
  EXPECT_EQ(read->records[1].type(), 2);
  EXPECT_EQ(read->records[3].type(), 14);
  const an2k::Record& face = read->records[2];
  ASSERT_EQ(face.type(), 10);
  // The Type-1 content list names it, with its IDC.
  EXPECT_NE(read->records[0].text(3).find(std::string("10") + an2k::kUS + "02"), std::string::npos)
      << read->records[0].text(3);
  EXPECT_EQ(face.text(3), "FACE");
  EXPECT_EQ(face.text(4), "CNKIOSK01");
  EXPECT_EQ(face.text(5), "20261122");
  EXPECT_EQ(face.text(6), "420");
  EXPECT_EQ(face.text(7), "611");
  EXPECT_EQ(face.text(8), "1");
  EXPECT_EQ(face.text(9), "323");  // 420 px across 33 mm
  EXPECT_EQ(face.text(10), "323");
  EXPECT_EQ(face.text(11), "JPEGB");
  EXPECT_EQ(face.text(12), "YCC");
  EXPECT_EQ(face.text(13), "13") << "SAP: ISO full frontal facial image (table 21)";
  EXPECT_EQ(face.text(20), "F");
  EXPECT_EQ(face.text(23), "DIGITAL CAMERA");
  // The very file the service takes, byte for byte, and it decodes to the photo's size.
  const std::string data = face.text(an2k::kData);
  EXPECT_EQ(data, std::string(jpeg_.begin(), jpeg_.end()));
  const cv::Mat decoded = cv::imdecode(std::vector<std::uint8_t>(data.begin(), data.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.size(), photo_.size());
}

TEST_F(FaceRecord, AnythingButAJpegIsRefused) {
  FaceRecordInput png = input();
  cv::imencode(".png", photo_, png.jpeg);
  EXPECT_EQ(face_record(png).error(), "the photo is not a JPEG file");
  FaceRecordInput no_size = input();
  no_size.width_px = 0;
  EXPECT_FALSE(face_record(no_size).has_value());
}

}  // namespace
}  // namespace kiosk::face
