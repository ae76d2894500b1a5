// The record a finished session becomes, and the tracking code on the receipt: what the central
// office receives must hold every capture, say what was missing and why, and flag what the
// mission should look at; a code typed back at the kiosk with one character wrong is caught.
#include <chrono>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "capture/an2k/transaction.hpp"
#include "config/services.hpp"
#include "kiosk/session/record.hpp"
#include "sync/packet.hpp"

namespace kiosk::app {
namespace {

using namespace std::chrono_literals;
using std::chrono::year_month_day;

constexpr year_month_day kToday{std::chrono::year(2026), std::chrono::month(11), std::chrono::day(22)};

TEST(TrackingCode, IsTwelveCharactersInThreeGroupsAndReadsBackAsTyped) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string code = new_tracking_code();
    ASSERT_THAT(code, ::testing::MatchesRegex("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"));
    EXPECT_EQ(canonical_tracking_code(code), code);
    std::string typed = code;
    std::erase(typed, '-');
    for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(canonical_tracking_code(" " + typed.substr(0, 6) + " " + typed.substr(6)), code);
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(TrackingCode, OneWrongCharacterOrTwoNeighboursSwappedIsNotACode) {
  constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  int swaps = 0, swaps_caught = 0;
  for (int i = 0; i < 50; ++i) {
    std::string code = new_tracking_code();
    std::erase(code, '-');
    for (std::size_t at = 0; at < code.size(); ++at) {
      for (char c : kAlphabet) {
        if (c == code[at]) continue;
        std::string typo = code;
        typo[at] = c;
        ASSERT_EQ(canonical_tracking_code(typo), "") << typo << " was taken for " << code;
      }
      if (at + 1 < code.size() && code[at] != code[at + 1]) {
        std::string swapped = code;
        std::swap(swapped[at], swapped[at + 1]);
        ++swaps;
        if (canonical_tracking_code(swapped).empty()) ++swaps_caught;
      }
    }
  }
  // Luhn mod N misses only the swap of two characters whose values sum to N - 1 (e.g. 0 and Z).
  EXPECT_GE(swaps_caught, swaps * 95 / 100) << swaps_caught << " of " << swaps;
  EXPECT_EQ(canonical_tracking_code("O"), "");
  EXPECT_EQ(canonical_tracking_code("ABCD-EFGH-JKMU"), "") << "U is not in the alphabet";
  EXPECT_EQ(canonical_tracking_code(""), "");
}

TEST(TrackingCode, LettersThatLookLikeDigitsAreReadAsTheDigits) {
  std::string code;
  do {
    code = new_tracking_code();
  } while (code.find_first_of("01") == std::string::npos);
  std::string typed = code;
  for (char& c : typed) {
    if (c == '0') c = 'O';
    else if (c == '1') c = 'l';
  }
  EXPECT_EQ(canonical_tracking_code(typed), code);
}

class RecordTest : public ::testing::Test {
 protected:
  config::ServiceCatalogue catalogue_ =
      config::load_service_catalogue(KIOSK_SOURCE_DIR "/config/defaults/services.json");
  Session::Clock::time_point t_{};
  Session session_{catalogue_, SessionTiming{}, t_};

  Session::Clock::time_point later() { return t_ += 5s; }

  static document::MrzFields passport() {
    document::MrzFields f;
    f.document_code = "P";
    f.issuing_state = "UTO";
    f.surname = "ERIKSSON";
    f.given_names = "ANNA MARIA";
    f.document_number = "L898902C3";
    f.nationality = "UTO";
    f.sex = "F";
    f.date_of_birth = year_month_day{std::chrono::year(1990), std::chrono::month(5), std::chrono::day(17)};
    f.date_of_expiry = year_month_day{std::chrono::year(2031), std::chrono::month(4), std::chrono::day(1)};
    return f;
  }
  static face::CapturedPhoto photo() {
    face::CapturedPhoto p;
    p.photo = cv::Mat(611, 420, CV_8UC3, cv::Scalar(230, 220, 210));
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", p.photo, jpeg);
    p.file.jpeg = jpeg;
    p.file.quality = 95;
    p.analysis.rules.push_back({"roll_deg", 1.5, -8, 8, true, true});
    p.analysis.rules.push_back({"yaw_deg", std::nan(""), -5, 5, false, true});
    return p;
  }
  // Eight fingers taken (the left ring matched the left middle again), two missing.
  static finger::TenPrintResult prints() {
    finger::TenPrintResult r;
    for (int position = 1; position <= 8; ++position) {
      finger::CapturedFinger f;
      f.position = position;
      f.image.width = 64;
      f.image.height = 80;
      f.image.pixels_per_inch = 500;
      f.image.pixels.assign(64 * 80, static_cast<std::uint8_t>(40 + position));
      f.quality = 50 + position;
      f.attempts = position == 3 ? 2 : 1;
      if (position == 8) f.matched_position = 7;
      r.captured.push_back(f);
    }
    r.missing.push_back({9, finger::MissingCode::kAmputated, "amputated"});
    r.missing.push_back({10, finger::MissingCode::kUnableToPrint, "bandaged"});
    return r;
  }

  void up_to_submitting(face::FaceMatch match) {
    ASSERT_TRUE(session_.start(later()));
    ASSERT_TRUE(session_.choose_service("visa-l", later()));
    ASSERT_TRUE(session_.passport_read(passport(), kToday, later()));
    ASSERT_TRUE(session_.consent(true, later()));
    ASSERT_TRUE(session_.photo_taken(photo(), match, later()));
    ASSERT_TRUE(session_.fingerprints_taken(prints(), later()));
    document::EncodedFile itinerary{.format = "pdf", .bytes = {'%', 'P', 'D', 'F', '-', '1'}, .dpi = 200, .pages = 2};
    ASSERT_TRUE(session_.paper_handed("itinerary", itinerary, later()));
    ASSERT_TRUE(session_.paper_handed("travel_bookings", itinerary, later()));
    ASSERT_TRUE(session_.paper_skipped("invitation_letter", later()));
    ASSERT_TRUE(session_.paper_skipped("previous_visa", later()));
    ASSERT_TRUE(session_.papers_done(later()));
    ASSERT_TRUE(session_.submit(later()));
  }

  RecordContext context() const {
    return {.kiosk_id = "SIM-KIOSK-01",
            .packet_id = sync::new_packet_id(),
            .tracking_code = new_tracking_code(),
            .started = std::chrono::system_clock::now() - 10min,
            .now = std::chrono::system_clock::now(),
            .devices = {{"camera", "file"}}};
  }
};

TEST_F(RecordTest, HoldsEveryCaptureWithItsFiguresAndWhatIsMissing) {
  up_to_submitting(face::FaceMatch{true, 45, 80, true, {}, "LBPH chi-square on eye-aligned Tan-Triggs crops"});
  const RecordContext c = context();
  auto record = record_of(session_, c);
  ASSERT_TRUE(record) << record.error();
  EXPECT_EQ(record->id, c.packet_id);

  const nlohmann::json& m = record->manifest;
  EXPECT_EQ(m["tracking_code"], c.tracking_code);
  EXPECT_EQ(m["service"]["id"], "visa-l");
  EXPECT_EQ(m["applicant"]["document_number"], "L898902C3");
  EXPECT_EQ(m["applicant"]["date_of_birth"], "1990-05-17");
  EXPECT_EQ(m["age"], 36);
  EXPECT_EQ(m["photo"]["spec"], "china-visa");
  EXPECT_TRUE(m["photo"]["rules"][1]["value"].is_null()) << "a rule not judged has no value, not NaN";
  EXPECT_EQ(m["photo"]["face_match"]["matched"], true);
  EXPECT_EQ(m["photo"]["face_match"]["method"], "LBPH chi-square on eye-aligned Tan-Triggs crops");
  EXPECT_EQ(m["fingerprints"]["captured"].size(), 8u);
  EXPECT_EQ(m["fingerprints"]["captured"][2]["attempts"], 2);
  EXPECT_EQ(m["fingerprints"]["missing"][1]["reason"], "bandaged");
  EXPECT_EQ(m["fingerprints"]["missing"][0]["code"], "XX");
  EXPECT_THAT(m["flags"].get<std::vector<std::string>>(), ::testing::ElementsAre("check:finger_8_same_as_7"));
  EXPECT_EQ(m["papers"].size(), 4u);
  EXPECT_EQ(m["papers"][2]["skipped"], true);

  std::vector<std::string> names;
  for (const auto& p : record->parts) names.push_back(p.name);
  EXPECT_THAT(names, ::testing::ElementsAre("enrolment.an2", "photo.jpg", "paper-itinerary.pdf",
                                            "paper-travel_bookings.pdf"));
  EXPECT_EQ(record->parts[1].bytes.size(), session_.photo()->file.jpeg.size());

  auto transaction = an2k::decode(record->parts[0].bytes);
  ASSERT_TRUE(transaction) << transaction.error();
  std::map<int, int> types;
  for (const auto& r : transaction->records) ++types[r.type()];
  EXPECT_EQ(types[1], 1);
  EXPECT_EQ(types[14], 10) << "one Type-14 record per finger position: eight images, two AMP entries";
  int amputation_entries = 0;
  for (const auto& r : transaction->records) {
    if (r.type() == 14 && r.find(an2k::kData) == nullptr) ++amputation_entries;
  }
  EXPECT_EQ(amputation_entries, 2);
  EXPECT_EQ(types[10], 1) << "the face";
  EXPECT_EQ(transaction->records[0].text(9), c.packet_id) << "the transaction control number is the packet's id";
}

TEST_F(RecordTest, AFaceThatDidNotMatchFlagsAnInterview) {
  up_to_submitting(face::FaceMatch{true, 120, 80, false, {}, "LBPH chi-square on eye-aligned Tan-Triggs crops"});
  auto record = record_of(session_, context());
  ASSERT_TRUE(record) << record.error();
  EXPECT_THAT(record->manifest["flags"].get<std::vector<std::string>>(), ::testing::Contains("interview:face_match"));
}

TEST_F(RecordTest, IsRefusedBeforeTheApplicantSubmits) {
  ASSERT_TRUE(session_.start(later()));
  auto record = record_of(session_, context());
  ASSERT_FALSE(record);
  EXPECT_THAT(record.error(), ::testing::HasSubstr("not been submitted"));
}

}  // namespace
}  // namespace kiosk::app
