// The applicant session's steps, guards, idle timer and wipe.
#include "kiosk/session/session.hpp"

#include <algorithm>

#include "capture/document/supporting_papers.hpp"

namespace kiosk::app {
namespace {

Refusal refuse(std::string key) { return Refusal{std::move(key)}; }

// Overwrites what a buffer held before it is freed: an applicant's face and papers do not linger
// in memory that the next allocation hands out.
void scrub(cv::Mat& m) {
  if (!m.empty() && m.u != nullptr && m.u->refcount == 1) m.setTo(cv::Scalar::all(0));
  m.release();
}
void scrub(std::vector<std::uint8_t>& bytes) {
  std::fill(bytes.begin(), bytes.end(), std::uint8_t{0});
  bytes.clear();
  bytes.shrink_to_fit();
}
void scrub(std::optional<finger::TenPrintResult>& prints) {
  if (prints) {
    for (finger::CapturedFinger& f : prints->captured) scrub(f.image.pixels);
  }
  prints.reset();
}
void scrub(std::vector<HandedPaper>& papers) {
  for (HandedPaper& p : papers) {
    if (p.file) scrub(p.file->bytes);
  }
  papers.clear();
}

}  // namespace

void scrub(std::optional<face::CapturedPhoto>& photo) {
  if (photo) {
    scrub(photo->frame);
    scrub(photo->photo);
    scrub(photo->file.jpeg);
  }
  photo.reset();
}

std::string_view step_id(Step step) {
  switch (step) {
    case Step::kWelcome: return "welcome";
    case Step::kService: return "service";
    case Step::kDataPage: return "data_page";
    case Step::kConsent: return "consent";
    case Step::kPhoto: return "photo";
    case Step::kFingerprints: return "fingerprints";
    case Step::kDocuments: return "documents";
    case Step::kReview: return "review";
    case Step::kSubmitting: return "submitting";
    case Step::kReceipt: return "receipt";
    case Step::kStatusLookup: return "status_lookup";
  }
  return "unknown";
}

const std::vector<LanguageInfo>& languages() {
  static const std::vector<LanguageInfo> all = {
      {Language::kEnglish, "en", "English", false, "en"},
      {Language::kChinese, "zh", "中文", false, "cmn"},
      {Language::kArabic, "ar", "العربية", true, "ar"},
      {Language::kPersian, "fa", "فارسی", true, "fa"},
      {Language::kRussian, "ru", "Русский", false, "ru"},
  };
  return all;
}

const LanguageInfo& info(Language language) {
  for (const LanguageInfo& l : languages()) {
    if (l.language == language) return l;
  }
  return languages().front();
}

std::optional<Language> language_from_code(std::string_view code) {
  for (const LanguageInfo& l : languages()) {
    if (l.code == code) return l.language;
  }
  return std::nullopt;
}

Session::Session(const config::ServiceCatalogue& catalogue, SessionTiming timing, Clock::time_point now)
    : catalogue_(catalogue), timing_(timing), last_activity_(now) {}

Session::~Session() { wipe(); }

void Session::choose_language(Language language, Clock::time_point now) {
  language_ = language;
  touch(now);
}

void Session::set_display(const Display& display, Clock::time_point now) {
  display_ = display;
  touch(now);
}

void Session::call_staff(Clock::time_point now) {
  staff_called_ = true;
  touch(now);
}

Outcome Session::at(Step expected) const {
  if (step_ != expected) return std::unexpected(refuse("session.not_now"));
  return {};
}

void Session::go(Step next, Clock::time_point now) {
  step_ = next;
  touch(now);
}

void Session::done_with(Step next, Clock::time_point now) {
  go(changing_ ? Step::kReview : next, now);
  if (step_ == Step::kReview) changing_ = false;
}

Outcome Session::move(Step from, Step to, Clock::time_point now) {
  if (auto ok = at(from); !ok) return ok;
  go(to, now);
  return {};
}

HandedPaper& Session::paper_entry(std::string_view id) {
  auto it = std::ranges::find(papers_, id, &HandedPaper::id);
  if (it == papers_.end()) it = papers_.insert(papers_.end(), HandedPaper{std::string(id), std::nullopt});
  if (it->file) scrub(it->file->bytes);
  return *it;
}

Outcome Session::start(Clock::time_point now) { return move(Step::kWelcome, Step::kService, now); }

Outcome Session::look_up_status(Clock::time_point now) { return move(Step::kWelcome, Step::kStatusLookup, now); }

bool asks_about_loss(const config::Service& service) {
  return std::ranges::any_of(service.checklist, [](const config::SupportingDocument& d) {
    return d.when == config::DocumentCondition::kLostPassport;
  });
}

Outcome Session::choose_service(std::string_view id, Clock::time_point now, bool lost_passport) {
  if (auto ok = at(Step::kService); !ok) return ok;
  const config::Service* service = catalogue_.service(id);
  if (service == nullptr) return std::unexpected(refuse("session.unknown_service"));
  lost_passport = lost_passport && asks_about_loss(*service);
  if (service != service_ || lost_passport != lost_passport_) {
    // Another service asks for other papers: those of the last one do not carry over.
    service_ = service;
    lost_passport_ = lost_passport;
    passport_.reset();
    age_.reset();
    checklist_.clear();
    scrub(papers_);
  }
  go(Step::kDataPage, now);
  return {};
}

Outcome Session::passport_read(document::MrzFields fields, std::chrono::year_month_day today,
                               Clock::time_point now, cv::Mat portrait) {
  if (auto ok = at(Step::kDataPage); !ok) return ok;
  if (!fields.date_of_birth.ok() || !today.ok() || fields.date_of_birth > today) {
    return std::unexpected(refuse("session.date_of_birth_invalid"));
  }
  age_ = finger::age_on(fields.date_of_birth, today);
  passport_ = std::move(fields);
  scrub(portrait_);
  portrait_ = std::move(portrait);
  checklist_ = document::checklist_for(*service_, {.age = *age_, .lost_passport = lost_passport_}, catalogue_.age_of_majority);
  // Papers handed in before a rescan stay, as long as the checklist still asks for them.
  std::erase_if(papers_, [&](const HandedPaper& p) {
    return std::ranges::none_of(checklist_, [&](const config::SupportingDocument& d) { return d.id == p.id; });
  });
  go(Step::kConsent, now);
  return {};
}

Outcome Session::consent(bool given, Clock::time_point now) {
  if (auto ok = at(Step::kConsent); !ok) return ok;
  if (!given) {
    staff_called_ = true;
    touch(now);
    return std::unexpected(refuse("consent.declined"));
  }
  go(Step::kPhoto, now);
  return {};
}

Outcome Session::photo_taken(face::CapturedPhoto photo, face::FaceMatch match, Clock::time_point now) {
  if (auto ok = at(Step::kPhoto); !ok) return ok;
  scrub(photo_);
  photo_ = std::move(photo);
  face_match_ = std::move(match);
  done_with(Step::kFingerprints, now);
  return {};
}

Outcome Session::fingerprints_taken(finger::TenPrintResult result, Clock::time_point now) {
  if (auto ok = at(Step::kFingerprints); !ok) return ok;
  scrub(fingerprints_);
  fingerprints_ = std::move(result);
  exemptions_.clear();
  done_with(checklist_.empty() ? Step::kReview : Step::kDocuments, now);
  return {};
}

Outcome Session::fingerprints_exempt(std::vector<finger::Exemption> exemptions, Clock::time_point now) {
  if (auto ok = at(Step::kFingerprints); !ok) return ok;
  if (exemptions.empty()) return std::unexpected(refuse("session.no_exemption"));
  scrub(fingerprints_);
  exemptions_ = std::move(exemptions);
  done_with(checklist_.empty() ? Step::kReview : Step::kDocuments, now);
  return {};
}

Outcome Session::paper_handed(std::string_view id, document::EncodedFile file, Clock::time_point now) {
  if (auto ok = at(Step::kDocuments); !ok) return ok;
  if (std::ranges::find(checklist_, id, &config::SupportingDocument::id) == checklist_.end()) {
    return std::unexpected(refuse("session.unknown_paper"));
  }
  paper_entry(id).file = std::move(file);
  touch(now);
  return {};
}

Outcome Session::paper_skipped(std::string_view id, Clock::time_point now) {
  if (auto ok = at(Step::kDocuments); !ok) return ok;
  const auto paper = std::ranges::find(checklist_, id, &config::SupportingDocument::id);
  if (paper == checklist_.end()) return std::unexpected(refuse("session.unknown_paper"));
  if (paper->required) return std::unexpected(refuse("documents.required"));
  paper_entry(id).file.reset();
  touch(now);
  return {};
}

Outcome Session::papers_done(Clock::time_point now) {
  if (auto ok = at(Step::kDocuments); !ok) return ok;
  for (const config::SupportingDocument& d : checklist_) {
    const auto it = std::ranges::find(papers_, d.id, &HandedPaper::id);
    if (it == papers_.end() || (d.required && !it->file)) return std::unexpected(refuse("documents.missing"));
  }
  done_with(Step::kReview, now);
  return {};
}

Outcome Session::submit(Clock::time_point now) {
  if (auto ok = at(Step::kReview); !ok) return ok;
  if (service_ == nullptr || !passport_ || !photo_ || (!fingerprints_ && exemptions_.empty())) {
    return std::unexpected(refuse("session.incomplete"));
  }
  go(Step::kSubmitting, now);
  return {};
}

Outcome Session::submitted(std::string tracking_code, Clock::time_point now) {
  if (auto ok = at(Step::kSubmitting); !ok) return ok;
  tracking_code_ = std::move(tracking_code);
  go(Step::kReceipt, now);
  return {};
}

Outcome Session::submit_failed(Clock::time_point now) { return move(Step::kSubmitting, Step::kReview, now); }

Outcome Session::finish(Clock::time_point now) {
  if (auto ok = at(Step::kReceipt); !ok) return ok;
  wipe();
  touch(now);
  return {};
}

Outcome Session::change(Step step, Clock::time_point now) {
  if (auto ok = at(Step::kReview); !ok) return ok;
  const bool changeable = step == Step::kPhoto || step == Step::kFingerprints ||
                          (step == Step::kDocuments && !checklist_.empty());
  if (!changeable) return std::unexpected(refuse("session.not_now"));
  changing_ = true;
  go(step, now);
  return {};
}

Outcome Session::back(Clock::time_point now) {
  if (changing_ && step_ != Step::kReview) {  // nothing changed: the review as it was
    changing_ = false;
    go(Step::kReview, now);
    return {};
  }
  Step previous = step_;
  switch (step_) {
    case Step::kService:
    case Step::kStatusLookup: previous = Step::kWelcome; break;
    case Step::kDataPage: previous = Step::kService; break;
    case Step::kConsent: previous = Step::kDataPage; break;
    case Step::kPhoto: previous = Step::kConsent; break;
    case Step::kFingerprints: previous = Step::kPhoto; break;
    case Step::kDocuments: previous = Step::kFingerprints; break;
    case Step::kReview: previous = checklist_.empty() ? Step::kFingerprints : Step::kDocuments; break;
    case Step::kWelcome:
    case Step::kSubmitting:
    case Step::kReceipt: return std::unexpected(refuse("session.not_now"));
  }
  go(previous, now);
  return {};
}

Outcome Session::cancel(Clock::time_point now) {
  if (step_ == Step::kSubmitting) return std::unexpected(refuse("session.not_now"));
  wipe();
  touch(now);
  return {};
}

void Session::device_failed(config::DeviceClass device, Clock::time_point now) {
  device_problem_ = device;
  staff_called_ = true;
  touch(now);
}

void Session::device_back(config::DeviceClass device, Clock::time_point now) {
  if (device_problem_ == device) device_problem_.reset();
  touch(now);
}

void Session::touch(Clock::time_point now) {
  last_activity_ = now;
  idle_ = IdleState::kActive;
}

std::pair<std::chrono::seconds, std::chrono::seconds> Session::idle_limits() const {
  if (step_ == Step::kReceipt) return {timing_.receipt_linger, std::min(timing_.idle_grace, std::chrono::seconds(10))};
  return {timing_.idle_warning, timing_.idle_grace};
}

IdleState Session::tick(Clock::time_point now) {
  // The welcome screen has nothing to lose: it waits as long as it likes, but it does go back to
  // its first look (English, speech off) for the next person.
  const auto idle = now - last_activity_;
  const auto [warning, grace] = idle_limits();
  if (idle >= warning + grace) {
    if (step_ == Step::kWelcome && language_ == Language::kEnglish && !staff_called_ &&
        !display_.speech && !display_.high_contrast && !display_.large_text) {
      idle_ = IdleState::kActive;
      return idle_;
    }
    wipe();
    last_activity_ = now;
    idle_ = IdleState::kWiped;
  } else if (idle >= warning && step_ != Step::kWelcome) {
    idle_ = IdleState::kWarning;
  } else {
    idle_ = IdleState::kActive;
  }
  return idle_;
}

std::chrono::seconds Session::seconds_left(Clock::time_point now) const {
  const auto [warning, grace] = idle_limits();
  const auto left = last_activity_ + warning + grace - now;
  return std::max(std::chrono::seconds(0), std::chrono::ceil<std::chrono::seconds>(left));
}

void Session::wipe() {
  step_ = Step::kWelcome;
  changing_ = false;
  language_ = Language::kEnglish;
  display_ = {};
  staff_called_ = false;
  device_problem_.reset();
  service_ = nullptr;
  lost_passport_ = false;
  passport_.reset();
  scrub(portrait_);
  age_.reset();
  scrub(photo_);
  face_match_.reset();
  scrub(fingerprints_);
  exemptions_.clear();
  checklist_.clear();
  scrub(papers_);
  tracking_code_.clear();
}

}  // namespace kiosk::app
