// The applicant session: the way through every step to a receipt, the steps that cannot be
// skipped, the papers a service asks for, cancel and the idle wipe (nothing of the applicant
// left), and a device lost mid-session (nothing captured lost).
#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/services.hpp"
#include "kiosk/session/session.hpp"

namespace kiosk::app {
namespace {

using namespace std::chrono_literals;
using std::chrono::year_month_day;
using Time = Session::Clock::time_point;

constexpr year_month_day kToday{std::chrono::year(2026), std::chrono::month(11), std::chrono::day(22)};

class SessionTest : public ::testing::Test {
 protected:
  config::ServiceCatalogue catalogue_ =
      config::load_service_catalogue(KIOSK_SOURCE_DIR "/config/defaults/services.json");
  Time t_{};  // the test's clock
  Session session_{catalogue_, SessionTiming{90s, 30s}, t_};

  Time later(std::chrono::seconds s = 5s) { return t_ += s; }

  static document::MrzFields passport(year_month_day born) {
    document::MrzFields f;
    f.document_code = "P";
    f.issuing_state = "UTO";
    f.surname = "ERIKSSON";
    f.given_names = "ANNA MARIA";
    f.document_number = "L898902C3";
    f.date_of_birth = born;
    f.date_of_expiry = year_month_day{std::chrono::year(2031), std::chrono::month(4), std::chrono::day(1)};
    return f;
  }
  static face::CapturedPhoto photo() {
    face::CapturedPhoto p;
    p.photo = cv::Mat(480, 330, CV_8UC3, cv::Scalar(200, 180, 160));
    p.frame = cv::Mat(720, 1280, CV_8UC3, cv::Scalar(200, 180, 160));
    p.file.jpeg.assign(50'000, 0xAB);
    return p;
  }
  static finger::TenPrintResult ten_prints() {
    finger::TenPrintResult r;
    for (int position = 1; position <= 10; ++position) {
      finger::CapturedFinger f;
      f.position = position;
      f.image.width = f.image.height = 4;
      f.image.pixels.assign(16, 0x80);
      f.quality = 60;
      r.captured.push_back(f);
    }
    return r;
  }
  static document::EncodedFile file() {
    document::EncodedFile f;
    f.format = "pdf";
    f.bytes.assign(10'000, 0x25);
    return f;
  }

  // Through to the papers of a tourist visa (itinerary and bookings required, invitation and
  // previous visa optional) for an adult.
  void up_to_documents(year_month_day born = {std::chrono::year(1990), std::chrono::month(5), std::chrono::day(17)}) {
    ASSERT_TRUE(session_.start(later()));
    ASSERT_TRUE(session_.choose_service("visa-l", later()));
    ASSERT_TRUE(session_.passport_read(passport(born), kToday, later()));
    ASSERT_TRUE(session_.consent(true, later()));
    ASSERT_TRUE(session_.photo_taken(photo(), face::FaceMatch{true, 45, 80, true, {}, "LBPH chi-square on eye-aligned Tan-Triggs crops"}, later()));
    ASSERT_TRUE(session_.fingerprints_taken(ten_prints(), later()));
    ASSERT_EQ(session_.step(), Step::kDocuments);
  }

  // Then the two required papers handed and the two optional ones skipped: at the review.
  void up_to_review() {
    up_to_documents();
    ASSERT_TRUE(session_.paper_handed("itinerary", file(), later()));
    ASSERT_TRUE(session_.paper_handed("travel_bookings", file(), later()));
    ASSERT_TRUE(session_.paper_skipped("invitation_letter", later()));
    ASSERT_TRUE(session_.paper_skipped("previous_visa", later()));
    ASSERT_TRUE(session_.papers_done(later()));
    ASSERT_EQ(session_.step(), Step::kReview);
  }
};

std::vector<std::string> ids(const std::vector<config::SupportingDocument>& papers) {
  std::vector<std::string> out;
  for (const auto& p : papers) out.push_back(p.id);
  return out;
}

TEST_F(SessionTest, AnApplicantGoesThroughEveryStepToAReceiptAndLeavesNothingBehind) {
  session_.choose_language(Language::kArabic, later());
  EXPECT_TRUE(info(session_.language()).right_to_left);
  up_to_documents();
  EXPECT_EQ(session_.age(), 36);
  EXPECT_THAT(ids(session_.checklist()), ::testing::ElementsAre("itinerary", "travel_bookings", "invitation_letter", "previous_visa"));
  ASSERT_TRUE(session_.paper_handed("itinerary", file(), later()));
  ASSERT_TRUE(session_.paper_handed("travel_bookings", file(), later()));
  ASSERT_TRUE(session_.paper_skipped("invitation_letter", later()));
  ASSERT_TRUE(session_.paper_skipped("previous_visa", later()));
  ASSERT_TRUE(session_.papers_done(later()));
  EXPECT_EQ(session_.step(), Step::kReview);
  ASSERT_TRUE(session_.submit(later()));
  EXPECT_EQ(session_.step(), Step::kSubmitting);
  EXPECT_FALSE(session_.cancel(later())) << "a record being sealed cannot be abandoned half-way";
  ASSERT_TRUE(session_.submitted("KX7-4M2-9QP", later()));
  EXPECT_EQ(session_.step(), Step::kReceipt);
  EXPECT_EQ(session_.tracking_code(), "KX7-4M2-9QP");
  EXPECT_EQ(session_.language(), Language::kArabic);

  ASSERT_TRUE(session_.finish(later()));
  EXPECT_EQ(session_.step(), Step::kWelcome);
  EXPECT_EQ(session_.language(), Language::kEnglish) << "the next applicant starts in the default language";
  EXPECT_FALSE(session_.passport());
  EXPECT_FALSE(session_.photo());
  EXPECT_FALSE(session_.fingerprints());
  EXPECT_TRUE(session_.papers().empty());
  EXPECT_TRUE(session_.tracking_code().empty());
}

TEST_F(SessionTest, NoStepCanBeSkipped) {
  EXPECT_EQ(session_.choose_service("visa-l", later()).error().key, "session.not_now");
  ASSERT_TRUE(session_.start(later()));
  EXPECT_EQ(session_.choose_service("visa-nowhere", later()).error().key, "session.unknown_service");
  ASSERT_TRUE(session_.choose_service("visa-l", later()));
  EXPECT_FALSE(session_.consent(true, later())) << "consent before the passport";
  EXPECT_FALSE(session_.photo_taken(photo(), {}, later())) << "a photo before consent";
  ASSERT_TRUE(session_.passport_read(passport({std::chrono::year(1990), std::chrono::month(1), std::chrono::day(1)}), kToday, later()));
  EXPECT_FALSE(session_.submit(later()));
  EXPECT_EQ(session_.step(), Step::kConsent);
}

TEST_F(SessionTest, WithoutConsentNothingBiometricIsTakenAndStaffAreCalled) {
  ASSERT_TRUE(session_.start(later()));
  ASSERT_TRUE(session_.choose_service("passport-renewal", later()));
  ASSERT_TRUE(session_.passport_read(passport({std::chrono::year(1980), std::chrono::month(2), std::chrono::day(29)}), kToday, later()));
  EXPECT_EQ(session_.consent(false, later()).error().key, "consent.declined");
  EXPECT_EQ(session_.step(), Step::kConsent);
  EXPECT_TRUE(session_.staff_called());
  EXPECT_FALSE(session_.photo_taken(photo(), {}, later()));
}

TEST_F(SessionTest, AMinorIsAskedForAGuardiansConsentAndBirthCertificate) {
  up_to_documents({std::chrono::year(2014), std::chrono::month(12), std::chrono::day(1)});
  EXPECT_EQ(session_.age(), 11);
  EXPECT_THAT(ids(session_.checklist()), ::testing::IsSupersetOf({"guardian_consent", "birth_certificate"}));
  EXPECT_EQ(session_.paper_skipped("guardian_consent", later()).error().key, "documents.required");
  ASSERT_TRUE(session_.paper_handed("itinerary", file(), later()));
  ASSERT_TRUE(session_.paper_handed("travel_bookings", file(), later()));
  EXPECT_EQ(session_.papers_done(later()).error().key, "documents.missing");
  ASSERT_TRUE(session_.paper_handed("guardian_consent", file(), later()));
  ASSERT_TRUE(session_.paper_handed("birth_certificate", file(), later()));
  EXPECT_EQ(session_.papers_done(later()).error().key, "documents.missing")
      << "the optional papers are skipped on purpose, not forgotten";
  ASSERT_TRUE(session_.paper_skipped("invitation_letter", later()));
  ASSERT_TRUE(session_.paper_skipped("previous_visa", later()));
  EXPECT_TRUE(session_.papers_done(later()));
  EXPECT_EQ(session_.paper_handed("no_such_paper", file(), later()).error().key, "session.not_now");
}

TEST_F(SessionTest, AnExemptApplicantGoesOnWithoutFingerprints) {
  ASSERT_TRUE(session_.start(later()));
  ASSERT_TRUE(session_.choose_service("visa-diplomatic", later()));
  ASSERT_TRUE(session_.passport_read(passport({std::chrono::year(1970), std::chrono::month(6), std::chrono::day(6)}), kToday, later()));
  ASSERT_TRUE(session_.consent(true, later()));
  ASSERT_TRUE(session_.photo_taken(photo(), {}, later()));
  EXPECT_EQ(session_.fingerprints_exempt({}, later()).error().key, "session.no_exemption");
  ASSERT_TRUE(session_.fingerprints_exempt({{finger::ExemptionReason::kVisaCategory, "diplomatic"}}, later()));
  EXPECT_EQ(session_.step(), Step::kDocuments);
  EXPECT_FALSE(session_.fingerprints());
  ASSERT_EQ(session_.exemptions().size(), 1u);
}

TEST_F(SessionTest, GoingBackKeepsWhatWasCaptured) {
  up_to_documents();
  ASSERT_TRUE(session_.back(later()));
  ASSERT_TRUE(session_.back(later()));
  EXPECT_EQ(session_.step(), Step::kPhoto);
  EXPECT_TRUE(session_.photo());
  EXPECT_TRUE(session_.fingerprints());
  // Another service: the papers of the last one do not carry over, nor does its passport check.
  ASSERT_TRUE(session_.back(later()));
  ASSERT_TRUE(session_.back(later()));
  ASSERT_TRUE(session_.back(later()));
  EXPECT_EQ(session_.step(), Step::kService);
  ASSERT_TRUE(session_.choose_service("visa-z", later()));
  EXPECT_FALSE(session_.passport());
  EXPECT_TRUE(session_.checklist().empty());
}

TEST_F(SessionTest, AChangeFromTheReviewComesBackToTheReviewOnceDone) {
  up_to_review();
  ASSERT_EQ(session_.step(), Step::kReview);
  EXPECT_FALSE(session_.change(Step::kConsent, later())) << "only a capture can be changed";
  EXPECT_FALSE(session_.change(Step::kSubmitting, later()));

  // A new photo: straight back to the review, not through the fingers and papers again.
  ASSERT_TRUE(session_.change(Step::kPhoto, later()));
  EXPECT_EQ(session_.step(), Step::kPhoto);
  EXPECT_TRUE(session_.changing());
  ASSERT_TRUE(session_.photo_taken(photo(), face::FaceMatch{}, later()));
  EXPECT_EQ(session_.step(), Step::kReview);
  EXPECT_FALSE(session_.changing());

  // The fingers, then Back: the review as it was, everything kept.
  ASSERT_TRUE(session_.change(Step::kFingerprints, later()));
  ASSERT_TRUE(session_.back(later()));
  EXPECT_EQ(session_.step(), Step::kReview);
  EXPECT_TRUE(session_.fingerprints());

  ASSERT_TRUE(session_.change(Step::kDocuments, later()));
  ASSERT_TRUE(session_.papers_done(later()));
  EXPECT_EQ(session_.step(), Step::kReview);
  EXPECT_EQ(session_.papers().size(), 4u);

  // A plain Back from the review still goes one step back, and the way on goes through them all.
  ASSERT_TRUE(session_.back(later()));
  EXPECT_EQ(session_.step(), Step::kDocuments);
  ASSERT_TRUE(session_.back(later()));
  ASSERT_TRUE(session_.fingerprints_taken(ten_prints(), later()));
  EXPECT_EQ(session_.step(), Step::kDocuments);
}

TEST_F(SessionTest, CancelWipesTheSessionAtEveryStep) {
  up_to_documents();
  ASSERT_TRUE(session_.paper_handed("itinerary", file(), later()));
  session_.choose_language(Language::kPersian, later());
  session_.set_display({.speech = true, .high_contrast = true, .large_text = true}, later());
  ASSERT_TRUE(session_.cancel(later()));
  EXPECT_EQ(session_.step(), Step::kWelcome);
  EXPECT_FALSE(session_.passport());
  EXPECT_FALSE(session_.photo());
  EXPECT_FALSE(session_.fingerprints());
  EXPECT_TRUE(session_.papers().empty());
  EXPECT_EQ(session_.language(), Language::kEnglish);
  EXPECT_FALSE(session_.display().speech);
  EXPECT_FALSE(session_.service());
}

TEST_F(SessionTest, AnIdleApplicantIsWarnedCanExtendAndIsWipedWhenTheGraceRunsOut) {
  up_to_documents();
  EXPECT_EQ(session_.tick(later(89s)), IdleState::kActive);
  EXPECT_EQ(session_.tick(later(1s)), IdleState::kWarning);
  EXPECT_EQ(session_.seconds_left(t_), 30s);
  EXPECT_EQ(session_.tick(later(20s)), IdleState::kWarning);
  EXPECT_EQ(session_.seconds_left(t_), 10s);
  session_.touch(later(1s));  // "I need more time"
  EXPECT_EQ(session_.tick(t_), IdleState::kActive);
  EXPECT_EQ(session_.tick(later(119s)), IdleState::kWarning);
  EXPECT_TRUE(session_.photo()) << "nothing is lost while the applicant can still answer";
  EXPECT_EQ(session_.tick(later(1s)), IdleState::kWiped);
  EXPECT_EQ(session_.step(), Step::kWelcome);
  EXPECT_FALSE(session_.photo());
  EXPECT_FALSE(session_.passport());
  EXPECT_FALSE(session_.fingerprints());
  // The welcome screen waits for the next person without warnings.
  EXPECT_EQ(session_.tick(later(600s)), IdleState::kActive);
}

TEST_F(SessionTest, TheReceiptIsClearedSoonAfterTheApplicantWalksAway) {
  up_to_review();
  ASSERT_TRUE(session_.submit(later()));
  ASSERT_TRUE(session_.submitted("KX7-4M2-9QP", later()));
  EXPECT_EQ(session_.tick(later(19s)), IdleState::kActive);
  EXPECT_EQ(session_.tick(later(1s)), IdleState::kWarning) << "20 s on the receipt, not 90";
  EXPECT_EQ(session_.seconds_left(t_), 10s);
  EXPECT_EQ(session_.tick(later(10s)), IdleState::kWiped);
  EXPECT_TRUE(session_.tracking_code().empty());
}

TEST_F(SessionTest, TheWelcomeScreenReturnsToItsFirstLookWhenLeftInAnotherLanguage) {
  session_.choose_language(Language::kChinese, later());
  EXPECT_EQ(session_.tick(later(100s)), IdleState::kActive) << "no warning on the welcome screen";
  EXPECT_EQ(session_.tick(later(20s)), IdleState::kWiped);
  EXPECT_EQ(session_.language(), Language::kEnglish);
}

TEST_F(SessionTest, ADeviceLostMidStepKeepsEverythingCapturedAndCallsStaff) {
  up_to_documents();
  ASSERT_TRUE(session_.paper_handed("itinerary", file(), later()));
  session_.device_failed(config::DeviceClass::kScanner, later());
  EXPECT_EQ(session_.device_problem(), config::DeviceClass::kScanner);
  EXPECT_TRUE(session_.staff_called());
  EXPECT_EQ(session_.step(), Step::kDocuments);
  EXPECT_TRUE(session_.photo());
  EXPECT_TRUE(session_.fingerprints());
  ASSERT_EQ(session_.papers().size(), 1u);
  session_.device_back(config::DeviceClass::kScanner, later());
  EXPECT_FALSE(session_.device_problem());
  ASSERT_TRUE(session_.paper_handed("travel_bookings", file(), later()));
}

TEST_F(SessionTest, ALostPassportAddsThePoliceReportToTheTravelDocumentsPapers) {
  ASSERT_TRUE(asks_about_loss(*catalogue_.service("travel-document")));
  EXPECT_FALSE(asks_about_loss(*catalogue_.service("visa-l")));
  const year_month_day adult{std::chrono::year(1990), std::chrono::month(5), std::chrono::day(17)};

  ASSERT_TRUE(session_.start(later()));
  ASSERT_TRUE(session_.choose_service("travel-document", later(), /*lost_passport=*/true));
  ASSERT_TRUE(session_.passport_read(passport(adult), kToday, later()));
  EXPECT_TRUE(session_.lost_passport());
  EXPECT_THAT(ids(session_.checklist()), ::testing::ElementsAre("police_report", "onward_ticket"));

  // Back to the services: not lost after all. The police report is no longer asked for.
  ASSERT_TRUE(session_.back(later()));
  ASSERT_TRUE(session_.back(later()));
  ASSERT_TRUE(session_.choose_service("travel-document", later(), false));
  ASSERT_TRUE(session_.passport_read(passport(adult), kToday, later()));
  EXPECT_THAT(ids(session_.checklist()), ::testing::ElementsAre("onward_ticket"));

  // A service whose papers do not depend on it ignores the answer.
  ASSERT_TRUE(session_.cancel(later()));
  ASSERT_TRUE(session_.start(later()));
  ASSERT_TRUE(session_.choose_service("visa-l", later(), true));
  EXPECT_FALSE(session_.lost_passport());
}

TEST_F(SessionTest, EveryLanguageIsOfferedWithItsDirectionAndVoice) {
  ASSERT_EQ(languages().size(), 5u);
  for (const std::string code : {"en", "zh", "ar", "fa", "ru"}) {
    const auto language = language_from_code(code);
    ASSERT_TRUE(language) << code;
    EXPECT_EQ(info(*language).right_to_left, code == "ar" || code == "fa") << code;
    EXPECT_FALSE(info(*language).speech_voice.empty());
  }
  EXPECT_FALSE(language_from_code("de"));
}

}  // namespace
}  // namespace kiosk::app
