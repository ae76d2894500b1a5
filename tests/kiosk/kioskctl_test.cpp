// kioskctl as a technician uses it: ANSI/NIST-ITL files, ten-print records, fingerprint quality,
// the machine-readable zone of a data page, the outbox.
#include <fstream>
#include <sstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "capture/an2k/transaction.hpp"
#include "sim/document_specimen.hpp"
#include "sim/face_specimen.hpp"
#include "sim/fingerprint_synth.hpp"
#include "sim/passport_specimen.hpp"
#include "sync/outbox.hpp"
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

TEST(Kioskctl, FingerRecordWritesATransactionOurReaderReadsBack) {
  testing::ScratchDir dir;
  sim::FingerprintSpec spec;
  const cv::Mat thumb = sim::synthesize_fingerprint(spec);
  ASSERT_TRUE(cv::imwrite((dir / "thumb.png").string(), thumb));
  const auto out = dir / "enrolment.an2";
  const auto r = testing::run_program(KIOSKCTL_BINARY " finger record --out " + out.string() +
                                      " --finger 1=" + (dir / "thumb.png").string() +
                                      " --missing 2=XX --missing 7=UP --ppi 500");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1 fingers, 2 missing"));
  const auto read = an2k::decode(testing::read_file(out));
  ASSERT_TRUE(read.has_value()) << read.error();
  ASSERT_EQ(read->records.size(), 5u);  // Type-1, Type-2, three Type-14
  // Every mandatory Type-1 field of ANSI/NIST-ITL 1-2011 (table 11) holds a value: NBIS's
  // an2k2txt and other conforming readers refuse a transaction without one.
  for (int field : {1, 2, 3, 4, 5, 7, 8, 9, 11, 12}) {
    const an2k::Field* f = read->records[0].find(field);
    ASSERT_NE(f, nullptr) << "1." << field;
    EXPECT_FALSE(f->value.empty()) << "1." << field;
  }
  EXPECT_EQ(read->records[0].text(7), "CENTRAL-OFFICE");
  const std::string& png = read->records[2].find(an2k::kData)->value;
  const cv::Mat back = cv::imdecode(std::vector<std::uint8_t>(png.begin(), png.end()),
                                    cv::IMREAD_UNCHANGED);
  EXPECT_EQ(cv::norm(back, thumb, cv::NORM_INF), 0);
  EXPECT_EQ(read->records[3].text(18), std::string("2") + an2k::kUS + "XX");
  EXPECT_EQ(read->records[4].text(18), std::string("7") + an2k::kUS + "UP");
  EXPECT_FALSE(std::filesystem::exists(dir / "enrolment.an2.partial"));
}

TEST(Kioskctl, FingerRecordNamesAnImageItCannotRead) {
  testing::ScratchDir dir;
  const auto out = dir / "x.an2";
  const auto r = testing::run_program(KIOSKCTL_BINARY " finger record --out " + out.string() +
                                      " --finger 1=" + (dir / "absent.png").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, AllOf(HasSubstr("absent.png: no such file"),
                              ::testing::Not(HasSubstr("WARN"))));
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Kioskctl, FingerRecordRefusesAnUnknownMissingCode) {
  const auto r = testing::run_program(KIOSKCTL_BINARY " finger record --out /tmp/x.an2 --missing 3=ZZ");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("cannot use --missing 3=ZZ"));
}

TEST(Kioskctl, FingerRecordRefusesTheSameFingerTwice) {
  const auto r = testing::run_program(KIOSKCTL_BINARY
                                      " finger record --out /tmp/x.an2 --missing 3=XX --missing 3=UP");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("position 3 is given twice"));
}

TEST(Kioskctl, FingerRecordWritesAnIsoRecordOnRequest) {
  testing::ScratchDir dir;
  ASSERT_TRUE(cv::imwrite((dir / "thumb.png").string(), sim::synthesize_fingerprint({})));
  const auto out = dir / "enrolment.iso";
  const auto r = testing::run_program(KIOSKCTL_BINARY " finger record --format iso --out " +
                                      out.string() + " --finger 1=" + (dir / "thumb.png").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string bytes = testing::read_file(out);
  ASSERT_GE(bytes.size(), 16u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("FIR\0" "020\0", 8));
  EXPECT_EQ(bytes[15], 1) << "one distinct finger position, the general header's last byte";
  EXPECT_EQ(bytes[16 + 18], 0) << "no quality block: the tool scores nothing";
  EXPECT_EQ(bytes[16 + 19], 1) << "the first representation's finger position: right thumb";
  const auto bad = testing::run_program(KIOSKCTL_BINARY " finger record --format pdf --out " +
                                        out.string() + " --finger 1=" +
                                        (dir / "thumb.png").string());
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(Kioskctl, FingerQualityScoresEachImageAndTellsWhatToSay) {
  testing::ScratchDir dir;
  sim::FingerprintSpec spec;
  const cv::Mat good = sim::synthesize_fingerprint(spec);
  cv::Mat faint;
  good.convertTo(faint, CV_8U, 0.1, 230);
  ASSERT_TRUE(cv::imwrite((dir / "good.png").string(), good));
  ASSERT_TRUE(cv::imwrite((dir / "faint.png").string(), faint));
  std::ofstream(dir / "broken.png") << "not a picture";
  const auto r = testing::run_program(KIOSKCTL_BINARY " finger quality --finger 1 " +
                                      (dir / "good.png").string() + " " +
                                      (dir / "faint.png").string() + " " +
                                      (dir / "broken.png").string());
  EXPECT_EQ(r.exit_code, 1) << "an unreadable image fails the command";
  EXPECT_THAT(r.output, AllOf(HasSubstr("good.png: quality"), HasSubstr("accepted (threshold 30)"),
                              HasSubstr("faint.png: quality"), HasSubstr("retry (threshold 30): press_harder"),
                              HasSubstr("broken.png: not a PNG, JPEG, TIFF, BMP or PNM image")));
}

TEST(Kioskctl, FingerQualityJsonIsOneObjectPerLine) {
  testing::ScratchDir dir;
  const cv::Mat good = sim::synthesize_fingerprint({});
  ASSERT_TRUE(cv::imwrite((dir / "good.png").string(), good));
  const cv::Mat blank(400, 300, CV_8U, cv::Scalar(255));
  ASSERT_TRUE(cv::imwrite((dir / "blank.png").string(), blank));
  const auto r = testing::run_program(KIOSKCTL_BINARY " finger quality --json " +
                                      (dir / "good.png").string() + " " +
                                      (dir / "blank.png").string() + " 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 2u) << r.output;
  EXPECT_GE(objects[0]["score"].get<int>(), 30);
  EXPECT_GT(objects[0]["measures"]["minutiae"].get<int>(), 10);
  EXPECT_EQ(objects[1]["score"].get<int>(), 0);
  EXPECT_EQ(objects[1]["feedback"], "no_finger");
}

TEST(Kioskctl, OutboxStatusAndRetryLookIntoTheKiosksOutbox) {
  testing::ScratchDir dir;
  const auto config = dir / "kiosk.json";
  std::ofstream(config) << R"({"kiosk": {"id": "K1", "state_dir": "state"}, "camera": {},
      "usb": {"device_table": ")" << KIOSK_SOURCE_DIR << R"(/config/defaults/devices.json"}})";
  {
    auto box = sync::Outbox::open(dir / "state" / "outbox");
    ASSERT_TRUE(box.has_value()) << box.error();
    const std::string bytes(3 << 20, 'p');
    ASSERT_TRUE(box->enqueue({"packet-1", bytes, sync::sha256_hex(bytes)}).has_value());
    ASSERT_TRUE(box->record_failure("packet-1", "connection refused",
                                    sync::Clock::now() + std::chrono::hours(1)).has_value());
  }
  const auto status = testing::run_program(KIOSKCTL_BINARY " outbox status --config " + config.string());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, AllOf(HasSubstr("sealed        1"), HasSubstr("waiting: 3.0 MiB"),
                                   HasSubstr("packet-1"), HasSubstr("connection refused")));
  const auto retry = testing::run_program(KIOSKCTL_BINARY " outbox retry packet-1 --config " + config.string());
  EXPECT_EQ(retry.exit_code, 0) << retry.output;
  auto box = sync::Outbox::attach(dir / "state" / "outbox");
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ((*box->next_due())->id, "packet-1") << "no longer waiting out its back-off";
  const auto unknown = testing::run_program(KIOSKCTL_BINARY " outbox retry nope --config " + config.string());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("nope: not waiting to be sent"));
}

TEST(Kioskctl, MrzReadsAScannedDataPageAndShowsEveryCheckDigit) {
  testing::ScratchDir dir;
  sim::ScanDefects turned;
  turned.rotation_deg = 3;
  turned.upside_down = true;
  const sim::Specimen s = sim::render_td3_specimen(8, {}, turned);
  ASSERT_TRUE(cv::imwrite((dir / "page.png").string(), s.page));
  const auto text = testing::run_program(KIOSKCTL_BINARY " mrz " + (dir / "page.png").string() + " --date 2026-11-21");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, AllOf(HasSubstr(s.mrz[0]), HasSubstr(s.mrz[1]), HasSubstr("page upside down"),
                                 HasSubstr("composite        printed"), HasSubstr("holds"),
                                 HasSubstr(s.fields.document_number)));

  const auto json = testing::run_program(KIOSKCTL_BINARY " mrz --json " + (dir / "page.png").string());
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const auto out = nlohmann::json::parse(json.output);
  EXPECT_TRUE(out["accepted"].get<bool>());
  EXPECT_EQ(out["fields"]["document_number"], s.fields.document_number);
  EXPECT_EQ(out["fields"]["surname"], s.fields.surname);
  EXPECT_NEAR(out["skew_deg"].get<double>(), 3, 0.3);
  EXPECT_NEAR(out["dpi"].get<double>(), 300, 3);
  ASSERT_EQ(out["check_digits"].size(), 5u);
  for (const auto& c : out["check_digits"]) EXPECT_TRUE(c["holds"].get<bool>()) << c.dump();
}

TEST(Kioskctl, MrzSaysWhyAPageIsRefused) {
  testing::ScratchDir dir;
  const cv::Mat blank(1039, 1476, CV_8UC3, cv::Scalar(240, 240, 240));
  ASSERT_TRUE(cv::imwrite((dir / "blank.png").string(), blank));
  std::ofstream(dir / "broken.png") << "not a picture";
  const auto none = testing::run_program(KIOSKCTL_BINARY " mrz " + (dir / "blank.png").string());
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.output, AllOf(HasSubstr("refused"), HasSubstr("no machine-readable zone"),
                                 HasSubstr("scan the data page again")));
  const auto broken = testing::run_program(KIOSKCTL_BINARY " mrz " + (dir / "broken.png").string());
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.output, HasSubstr("broken.png: not a PNG, JPEG, TIFF, BMP or PNM image"));
  EXPECT_EQ(testing::run_program(KIOSKCTL_BINARY " mrz page.png --date 2026-13-40").exit_code, 2);
}

TEST(Kioskctl, DocumentEncodeWritesPagesToTheCataloguesFileRule) {
  testing::ScratchDir dir;
  const std::string config = KIOSK_SOURCE_DIR "/config/defaults/simulation.json";
  for (std::uint32_t seed : {1u, 2u}) {
    ASSERT_TRUE(cv::imwrite((dir / ("p" + std::to_string(seed) + ".png")).string(), sim::render_paper(seed, {})));
  }
  const std::string pages = (dir / "p1.png").string() + " " + (dir / "p2.png").string();
  const auto pdf = testing::run_program(KIOSKCTL_BINARY " document encode " + pages +
                                        " --rule document --json --out " + (dir / "letter.pdf").string() +
                                        " --config " + config);
  ASSERT_EQ(pdf.exit_code, 0) << pdf.output;
  const auto out = nlohmann::json::parse(pdf.output);
  EXPECT_EQ(out["format"], "pdf");
  EXPECT_EQ(out["pages"], 2);
  EXPECT_EQ(std::filesystem::file_size(dir / "letter.pdf"), out["bytes"].get<std::size_t>());
  EXPECT_LE(out["bytes"].get<std::size_t>(), 2u << 20);
  EXPECT_FALSE(std::filesystem::exists(dir / "letter.pdf.part"));

  // The ID-card rule: JPEG between 100 and 300 KB.
  const auto jpg = testing::run_program(KIOSKCTL_BINARY " document encode " + (dir / "p1.png").string() +
                                        " --rule id-card --out " + (dir / "card.jpg").string() +
                                        " --config " + config);
  ASSERT_EQ(jpg.exit_code, 0) << jpg.output;
  EXPECT_THAT(jpg.output, AllOf(HasSubstr("card.jpg: jpg, 1 page(s)"), HasSubstr("within rule \"id-card\"")));
  const auto size = std::filesystem::file_size(dir / "card.jpg");
  EXPECT_GE(size, 100u * 1024);
  EXPECT_LE(size, 300u * 1024);

  // What cannot be: a format the rule does not take, an unknown rule. Nothing is written.
  const auto png = testing::run_program(KIOSKCTL_BINARY " document encode " + (dir / "p1.png").string() +
                                        " --rule id-card --out " + (dir / "card.png").string() +
                                        " --config " + config);
  EXPECT_EQ(png.exit_code, 1);
  EXPECT_THAT(png.output, HasSubstr("does not take png"));
  EXPECT_FALSE(std::filesystem::exists(dir / "card.png"));
  const auto unknown = testing::run_program(KIOSKCTL_BINARY " document encode " + (dir / "p1.png").string() +
                                            " --rule photo --out x.jpg --config " + config);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, AllOf(HasSubstr("no file rule \"photo\""), HasSubstr("document, id-card")));
}

TEST(Kioskctl, DocumentCheckGivesEveryFigureAndThePrompt) {
  testing::ScratchDir dir;
  ASSERT_TRUE(cv::imwrite((dir / "good.png").string(), sim::render_paper(3, {})));
  sim::PaperFaults glossy;
  glossy.glare = 0.3;
  ASSERT_TRUE(cv::imwrite((dir / "glare.png").string(), sim::render_paper(3, glossy)));
  const auto good = testing::run_program(KIOSKCTL_BINARY " document check " + (dir / "good.png").string());
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_THAT(good.output, AllOf(HasSubstr("accepted"), HasSubstr("edge width"), HasSubstr("skew")));
  const auto glare = testing::run_program(KIOSKCTL_BINARY " document check --json " + (dir / "glare.png").string());
  EXPECT_EQ(glare.exit_code, 1) << glare.output;
  const auto out = nlohmann::json::parse(glare.output);
  EXPECT_FALSE(out["accepted"].get<bool>());
  EXPECT_EQ(out["prompts"][0], "scan.page_glare");
  EXPECT_GT(out["checks"]["glare"]["share"].get<double>(), out["checks"]["glare"]["max"].get<double>());
}

TEST(Kioskctl, PhotoCheckAndMakeJudgeAndCutAsTheKioskDoes) {
  testing::ScratchDir dir;
  const std::string config = " --config " KIOSK_SOURCE_DIR "/config/defaults/simulation.json";
  const auto portraits = sim::known_portraits(KIOSK_SOURCE_DIR "/var/public-data");
  const sim::PersonCutout person = sim::cut_out(portraits.at(1));
  ASSERT_TRUE(cv::imwrite((dir / "frame.png").string(), sim::render_scene(person, {})));
  sim::Scene blue;
  blue.background = {200, 150, 90};
  ASSERT_TRUE(cv::imwrite((dir / "blue.png").string(), sim::render_scene(person, blue)));
  const std::string frame = (dir / "frame.png").string();

  // A well-framed camera frame: every rule with its figure, and the photo would be taken.
  const auto good = testing::run_program(KIOSKCTL_BINARY " photo check " + frame + " --spec china-visa" + config);
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_THAT(good.output, AllOf(HasSubstr("judged as a camera frame by spec \"china-visa\": passes"),
                                 HasSubstr("photo.take_photo"), HasSubstr("head_height_mm"),
                                 HasSubstr("background_luminance")));

  // The photo cut from it is a JPEG in the visa's 40-120 KB band that passes as a finished photo,
  // file rules included.
  const std::string photo = (dir / "visa.jpg").string();
  const auto made = testing::run_program(KIOSKCTL_BINARY " photo make " + frame + " --spec china-visa --out " +
                                         photo + config);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_THAT(made.output, AllOf(HasSubstr("420 x 611 px"), HasSubstr("meets spec \"china-visa\"")));
  const auto size = std::filesystem::file_size(photo);
  EXPECT_GE(size, 40u * 1024);
  EXPECT_LE(size, 120u * 1024);
  const auto again = testing::run_program(KIOSKCTL_BINARY " photo check --json " + photo + " --spec china-visa" + config);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const auto judged = nlohmann::json::parse(again.output);
  EXPECT_EQ(judged["as"], "photo");
  EXPECT_TRUE(judged["passed"].get<bool>());
  bool has_size_rule = false;
  for (const auto& r : judged["rules"]) {
    EXPECT_TRUE(r["passed"].get<bool>()) << r.dump();
    has_size_rule = has_size_rule || r["id"] == "file_bytes";
  }
  EXPECT_TRUE(has_size_rule);
  // The same photo as a PNG is not what the visa service takes.
  ASSERT_TRUE(cv::imwrite((dir / "visa.png").string(), cv::imread(photo)));
  const auto png = testing::run_program(KIOSKCTL_BINARY " photo check " + (dir / "visa.png").string() +
                                        " --spec china-visa" + config);
  EXPECT_EQ(png.exit_code, 1);
  EXPECT_THAT(png.output, ::testing::ContainsRegex("file_is_jpeg +0.000 +1.000 .. 1.000 +FAILS"));

  // A blue background: refused with the instruction and the failing figure; nothing is written.
  const auto refused = testing::run_program(KIOSKCTL_BINARY " photo make " + (dir / "blue.png").string() +
                                            " --spec china-visa --out " + (dir / "blue.jpg").string() + config);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, AllOf(HasSubstr("photo.background_not_white"), HasSubstr("FAILS")));
  EXPECT_FALSE(std::filesystem::exists(dir / "blue.jpg"));
  EXPECT_FALSE(std::filesystem::exists(dir / "blue.jpg.part"));

  // Usage and lookup errors.
  const auto unknown = testing::run_program(KIOSKCTL_BINARY " photo check " + frame + " --spec passport" + config);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, AllOf(HasSubstr("no photo spec \"passport\""), HasSubstr("china-visa, icao-35x45")));
  EXPECT_EQ(testing::run_program(KIOSKCTL_BINARY " photo make " + frame + " --spec china-visa" + config).exit_code, 2);
  EXPECT_EQ(testing::run_program(KIOSKCTL_BINARY " photo check " + frame + " --spec china-visa --as face" + config)
                .exit_code, 2);
  const auto missing = testing::run_program(KIOSKCTL_BINARY " photo check nothing.png --spec china-visa" + config);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("nothing.png: no such file"));
}

TEST(Kioskctl, UnknownCommandShowsUsage) {
  const auto r = testing::run_program(KIOSKCTL_BINARY " frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("usage: kioskctl an2k dump FILE"));
}

}  // namespace
}  // namespace kiosk
