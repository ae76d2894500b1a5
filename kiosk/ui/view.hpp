// What the applicant's screen shows, as JSON: the session's step and settings, what has been
// captured so far, and what the captures say now ("live", from the session runner). The screen
// renders it with the language's message catalogue; the view carries message keys and values,
// never text. Keys:
//   step, language {code, rtl, voice}, languages [{code, name, rtl}], display {speech,
//   high_contrast, large_text}, staff_called, device_problem, idle {state, seconds_left},
//   services [{id, kind}] (service step), service, passport {...} (from the data page on),
//   age, photo {taken, interview}, fingerprints {...}, checklist [{id, required, state, pages}],
//   tracking_code, receipt {fee, currency, processing_days}, and live's keys as they are:
//   prompt {key, args}, notice, busy, progress, photo {passing, needed}, fingers {position:
//   {state, quality}}, current_finger, exemptions, paper {id, pages}, lookup {...},
//   devices_ready.
#pragma once

#include <nlohmann/json.hpp>

#include "kiosk/session/session.hpp"

namespace kiosk::ui {

nlohmann::json view_of(const app::Session& session, const nlohmann::json& live,
                       app::Session::Clock::time_point now);

}  // namespace kiosk::ui
