// What the applicant's screen shows; see view.hpp.
#include "kiosk/ui/view.hpp"

#include "config/utc_text.hpp"

namespace kiosk::ui {
namespace {

std::string_view idle_id(app::IdleState s) {
  switch (s) {
    case app::IdleState::kActive: return "active";
    case app::IdleState::kWarning: return "warning";
    case app::IdleState::kWiped: return "wiped";
  }
  return "active";
}

}  // namespace

nlohmann::json view_of(const app::Session& session, const nlohmann::json& live,
                       app::Session::Clock::time_point now) {
  using app::Step;
  nlohmann::json v = live.is_object() ? live : nlohmann::json::object();
  const auto& language = app::info(session.language());
  v["step"] = app::step_id(session.step());
  v["language"] = {{"code", language.code}, {"rtl", language.right_to_left}, {"voice", language.speech_voice}};
  nlohmann::json languages = nlohmann::json::array();
  for (const auto& l : app::languages()) {
    languages.push_back({{"code", l.code}, {"name", l.native_name}, {"rtl", l.right_to_left}});
  }
  v["languages"] = std::move(languages);
  v["display"] = {{"speech", session.display().speech},
                  {"high_contrast", session.display().high_contrast},
                  {"large_text", session.display().large_text}};
  v["staff_called"] = session.staff_called();
  v["device_problem"] = session.device_problem() ? nlohmann::json(config::to_string(*session.device_problem()))
                                                 : nlohmann::json(nullptr);
  v["idle"] = {{"state", idle_id(session.idle_state())},
               {"seconds_left", session.idle_state() == app::IdleState::kWarning ? session.seconds_left(now).count() : 0}};

  if (session.step() == Step::kService) {
    nlohmann::json services = nlohmann::json::array();
    for (const auto& s : session.catalogue().services) {
      services.push_back({{"id", s.id}, {"kind", s.kind}, {"asks_lost", app::asks_about_loss(s)}});
    }
    v["services"] = std::move(services);
  }
  if (const config::Service* s = session.service()) {
    v["service"] = s->id;
    v["receipt"] = {{"fee", s->fee}, {"currency", s->currency}, {"processing_days", s->processing_days}};
  }
  if (const auto& p = session.passport()) {
    v["passport"] = {{"surname", p->surname},
                     {"given_names", p->given_names},
                     {"document_number", p->document_number},
                     {"nationality", p->nationality},
                     {"issuing_state", p->issuing_state},
                     {"sex", p->sex},
                     {"date_of_birth", iso_date(p->date_of_birth)},
                     {"date_of_expiry", iso_date(p->date_of_expiry)}};
    v["age"] = session.age().value_or(-1);
  }
  // The face match only flags the application for the mission; the applicant is not told.
  if (session.photo()) v["photo_taken"] = true;
  if (const auto& prints = session.fingerprints()) {
    nlohmann::json fingers = nlohmann::json::object();
    for (const auto& f : prints->captured) fingers[std::to_string(f.position)] = {{"state", "done"}, {"quality", f.quality}};
    for (const auto& m : prints->missing) fingers[std::to_string(m.position)] = {{"state", "missing"}};
    v["fingers"] = std::move(fingers);
  }
  if (!session.exemptions().empty()) {
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& e : session.exemptions()) reasons.push_back(finger::exemption_id(e.reason));
    v["exemptions"] = std::move(reasons);
  }
  nlohmann::json checklist = nlohmann::json::array();
  for (const auto& d : session.checklist()) {
    const auto handed = std::ranges::find(session.papers(), d.id, &app::HandedPaper::id);
    std::string state = "pending";
    int pages = 0;
    if (handed != session.papers().end()) {
      state = handed->file ? "handed" : "skipped";
      pages = handed->file ? handed->file->pages : 0;
    }
    checklist.push_back({{"id", d.id}, {"required", d.required}, {"state", state}, {"pages", pages}});
  }
  v["checklist"] = std::move(checklist);
  if (!session.tracking_code().empty()) v["tracking_code"] = session.tracking_code();
  return v;
}

}  // namespace kiosk::ui
