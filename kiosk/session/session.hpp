// The applicant session: the steps an applicant goes through at the kiosk, what may be done at
// each, what has been captured so far, and the idle timer that warns and then wipes an abandoned
// session. Pure state, no devices: the wiring starts the captures a step needs and hands their
// results in here; the UI shows what this says.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/document/file_encoder.hpp"
#include "capture/document/mrz.hpp"
#include "capture/face/face_match.hpp"
#include "capture/face/photo_capture.hpp"
#include "capture/finger/exemptions.hpp"
#include "capture/finger/ten_print_session.hpp"
#include "config/config.hpp"
#include "config/services.hpp"

namespace kiosk::app {

// In the order an applicant meets them; kStatusLookup is a side path from the welcome screen.
enum class Step {
  kWelcome,       // language, speech, display; start or look up a status
  kService,       // choose the service from the catalogue
  kDataPage,      // scan the passport's data page
  kConsent,       // consent to biometric capture
  kPhoto,         // the live photo
  kFingerprints,  // ten fingers, or the exemption with its reason
  kDocuments,     // the service's checklist of supporting papers
  kReview,        // everything once more before it is sent
  kSubmitting,    // sealing and queueing the record
  kReceipt,       // the tracking code, the fee, how to collect
  kStatusLookup,  // an applicant's tracking code, and its status from the central office
};
std::string_view step_id(Step step);

enum class Language { kEnglish, kChinese, kArabic, kPersian, kRussian };
struct LanguageInfo {
  Language language;
  std::string_view code;          // BCP 47, also the message catalogue's file name
  std::string_view native_name;   // as the language's speakers write it
  bool right_to_left;
  std::string_view speech_voice;  // espeak-ng's voice
};
const std::vector<LanguageInfo>& languages();
const LanguageInfo& info(Language language);
std::optional<Language> language_from_code(std::string_view code);

// Whether the service's checklist depends on a lost or stolen passport: the applicant is asked.
bool asks_about_loss(const config::Service& service);

// How the screen and speech are set; the applicant changes them on any screen.
struct Display {
  bool speech = false;         // every prompt spoken
  bool high_contrast = false;
  bool large_text = false;
};

// An action refused: why, as a message key ("session.not_now", "session.unknown_service"...).
struct Refusal {
  std::string key;
};
using Outcome = std::expected<void, Refusal>;

// What the applicant's idle time has come to.
enum class IdleState {
  kActive,   // nothing to say
  kWarning,  // "are you still there?": seconds_left() counts down, any touch extends
  kWiped,    // the session was abandoned and wiped; back at the welcome screen
};

struct SessionTiming {
  std::chrono::seconds idle_warning{90};  // idle this long: the warning, announced by sound and text
  std::chrono::seconds idle_grace{30};    // then this long to answer it before the wipe
  // On the receipt the applicant is done: the tracking code does not wait 2 minutes for the next
  // person to read. The warning comes after this, the wipe at most 10 s later.
  std::chrono::seconds receipt_linger{20};
};

// A supporting paper handed in, or skipped where the checklist allows.
// Overwrites a photo's pixels and JPEG before they are freed (an applicant's face does not
// linger in memory that the next allocation hands out), and empties it.
void scrub(std::optional<face::CapturedPhoto>& photo);

struct HandedPaper {
  std::string id;
  std::optional<document::EncodedFile> file;  // none: skipped
};

class Session {
 public:
  using Clock = std::chrono::steady_clock;

  Session(const config::ServiceCatalogue& catalogue, SessionTiming timing, Clock::time_point now);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Step step() const { return step_; }
  Language language() const { return language_; }
  const Display& display() const { return display_; }

  // On any screen: what the applicant sees and hears. Each counts as activity.
  void choose_language(Language language, Clock::time_point now);
  void set_display(const Display& display, Clock::time_point now);
  // The "call staff" button, on every screen; also set when a device fails. Cleared on a new session.
  void call_staff(Clock::time_point now);
  bool staff_called() const { return staff_called_; }

  // The way through. Each refuses when the session is not at its step.
  Outcome start(Clock::time_point now);                   // welcome -> service
  Outcome look_up_status(Clock::time_point now);          // welcome -> status lookup
  // `lost_passport`: the applicant says the previous passport was lost or stolen; asked only for a
  // service whose checklist depends on it (asks_about_loss), and it adds those papers.
  Outcome choose_service(std::string_view id, Clock::time_point now, bool lost_passport = false);
  // The data page was read and met the service's rules (the capture checks them). `today` is
  // the application date, from which the applicant's age and checklist follow. `portrait` is the
  // data page's portrait (BGR; may be empty), which the live photo is compared with.
  Outcome passport_read(document::MrzFields fields, std::chrono::year_month_day today,
                        Clock::time_point now, cv::Mat portrait = {});
  // Declining stops at the consent step with staff called: nothing biometric is taken without it.
  Outcome consent(bool given, Clock::time_point now);
  Outcome photo_taken(face::CapturedPhoto photo, face::FaceMatch match, Clock::time_point now);
  // Fingerprints taken (some may be missing, each with its reason), or not taken for the
  // exemptions that apply.
  Outcome fingerprints_taken(finger::TenPrintResult result, Clock::time_point now);
  Outcome fingerprints_exempt(std::vector<finger::Exemption> exemptions, Clock::time_point now);
  // A paper of `checklist()` scanned, or skipped when it is not required.
  Outcome paper_handed(std::string_view id, document::EncodedFile file, Clock::time_point now);
  Outcome paper_skipped(std::string_view id, Clock::time_point now);
  Outcome papers_done(Clock::time_point now);  // refused while a required paper is missing
  Outcome submit(Clock::time_point now);       // review -> submitting
  Outcome submitted(std::string tracking_code, Clock::time_point now);
  Outcome submit_failed(Clock::time_point now);  // back to the review, nothing lost
  Outcome finish(Clock::time_point now);         // receipt -> welcome, wiped
  // One step back, keeping what was captured; not from the welcome, while submitting or after.
  // While changing from the review (change()), back returns to the review unchanged.
  Outcome back(Clock::time_point now);
  // From the review, "change" beside the photo, the fingerprints or the documents: that step
  // again, with what it holds; once it is done the applicant comes straight back to the review.
  Outcome change(Step step, Clock::time_point now);
  bool changing() const { return changing_; }
  // Cancel: wipes and returns to the welcome screen; not while the record is being sealed.
  Outcome cancel(Clock::time_point now);

  // A device lost mid-step: the applicant is told a technician has been called, and whatever
  // was captured stays. device_back clears it once the device answers again.
  void device_failed(config::DeviceClass device, Clock::time_point now);
  void device_back(config::DeviceClass device, Clock::time_point now);
  const std::optional<config::DeviceClass>& device_problem() const { return device_problem_; }

  // Any touch, key or device activity: the idle timer starts again (this is also "extend").
  void touch(Clock::time_point now);
  // Called by a timer: where idleness has got to. Wipes the session when the grace runs out.
  IdleState tick(Clock::time_point now);
  IdleState idle_state() const { return idle_; }
  std::chrono::seconds seconds_left(Clock::time_point now) const;  // of the warning's grace

  const config::ServiceCatalogue& catalogue() const { return catalogue_; }

  // What has been captured.
  const config::Service* service() const { return service_; }
  bool lost_passport() const { return lost_passport_; }
  const std::optional<document::MrzFields>& passport() const { return passport_; }
  const cv::Mat& portrait() const { return portrait_; }
  const std::optional<face::CapturedPhoto>& photo() const { return photo_; }
  const std::optional<face::FaceMatch>& face_match() const { return face_match_; }
  const std::optional<finger::TenPrintResult>& fingerprints() const { return fingerprints_; }
  const std::vector<finger::Exemption>& exemptions() const { return exemptions_; }
  // The papers this applicant must bring for the service (conditions applied); empty before the
  // passport is read.
  const std::vector<config::SupportingDocument>& checklist() const { return checklist_; }
  const std::vector<HandedPaper>& papers() const { return papers_; }
  const std::string& tracking_code() const { return tracking_code_; }
  // The applicant's age on the application date, from the passport.
  const std::optional<int>& age() const { return age_; }

 private:
  Outcome at(Step expected) const;
  void go(Step next, Clock::time_point now);
  // At `from`, go to `to`; refused elsewhere.
  Outcome move(Step from, Step to, Clock::time_point now);
  // Where a capture step that is done goes: its next step, or the review when changing from it.
  void done_with(Step next, Clock::time_point now);
  // The entry of paper `id` in papers_, added when it has none; what it held is overwritten.
  HandedPaper& paper_entry(std::string_view id);
  void wipe();
  // How long this step waits idle before the warning, and then before the wipe.
  std::pair<std::chrono::seconds, std::chrono::seconds> idle_limits() const;

  const config::ServiceCatalogue& catalogue_;
  SessionTiming timing_;
  Step step_ = Step::kWelcome;
  bool changing_ = false;  // a step taken again from the review
  Language language_ = Language::kEnglish;
  Display display_;
  bool staff_called_ = false;
  std::optional<config::DeviceClass> device_problem_;
  Clock::time_point last_activity_;
  IdleState idle_ = IdleState::kActive;

  const config::Service* service_ = nullptr;
  bool lost_passport_ = false;
  std::optional<document::MrzFields> passport_;
  cv::Mat portrait_;
  std::optional<int> age_;
  std::optional<face::CapturedPhoto> photo_;
  std::optional<face::FaceMatch> face_match_;
  std::optional<finger::TenPrintResult> fingerprints_;
  std::vector<finger::Exemption> exemptions_;
  std::vector<config::SupportingDocument> checklist_;
  std::vector<HandedPaper> papers_;
  std::string tracking_code_;
};

}  // namespace kiosk::app
