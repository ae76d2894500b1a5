// The applicant session wired to the devices and the central office; see session_runner.hpp.
#include "kiosk/session/session_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "capture/document/qr_code.hpp"
#include "capture/document/scan_prompt.hpp"
#include "capture/face/face_match.hpp"
#include "config/log.hpp"
#include "config/utc_text.hpp"
#include "kiosk/session/record.hpp"
#include "kiosk/ui/receipt.hpp"
#include "kiosk/ui/view.hpp"

namespace kiosk::app {
namespace {

using Kind = finger::TenPrintEvent::Kind;

nlohmann::json prompt(std::string key, nlohmann::json args = nlohmann::json::object()) {
  return {{"key", std::move(key)}, {"args", std::move(args)}};
}

std::string refusal_key(const Outcome& outcome) { return outcome ? std::string() : outcome.error().key; }

}  // namespace

SessionRunner::SessionRunner(boost::asio::any_io_executor executor, const config::Config& config,
                             Devices& devices, SyncLink& sync, const sim::Rig* rig)
    : executor_(executor),
      config_(config),
      devices_(devices),
      sync_(sync),
      rig_(rig),
      session_(config.services, SessionTiming{config.ui.idle_warning, config.ui.idle_grace, config.ui.receipt_linger}, Clock::now()),
      recovery_(executor, devices, config),
      timer_(executor) {
  if (auto reader = document::MrzReader::load()) {
    mrz_reader_ = std::make_shared<const document::MrzReader>(std::move(*reader));
  } else {
    log::get("kiosk")->error("the MRZ reader cannot start: {}", reader.error());
  }
  if (auto matcher = face::FaceMatcher::load(config.face)) {
    matcher_ = std::move(*matcher);
  } else {
    // A recognition model that cannot be loaded leaves the classical method, which needs none.
    log::get("kiosk")->error("the face match cannot use its model: {}", matcher.error());
    config::FaceSection classical = config.face;
    classical.sface_model.clear();
    if (auto fallback = face::FaceMatcher::load(classical)) matcher_ = std::move(*fallback);
  }
  if (rig != nullptr) virtual_fingers_ = std::make_unique<sim::VirtualFingers>(executor, config);
}

SessionRunner::~SessionRunner() {
  stop();
  work_.join();
}

void SessionRunner::on_change(std::function<void(const nlohmann::json&)> publish,
                              std::function<void(const cv::Mat&, bool)> preview) {
  publish_ = std::move(publish);
  preview_ = std::move(preview);
}

void SessionRunner::devices_checked(const DeviceCheckResult& result) {
  live_["devices_ready"] = result.all_ok();
  check_accepting();
  for (const auto& [name, found] : {std::pair{"fingerprint", &result.fingerprint}, std::pair{"scanner", &result.scanner},
                                    std::pair{"camera", &result.camera}}) {
    device_identities_[name] = found->value_or("not found");
  }
  devices_.fingerprint->on_event([this](drivers::FingerEvent e) {
    if (e == drivers::FingerEvent::kDeviceRemoved) device_unplugged(config::DeviceClass::kFingerprint, "removed");
    // A technician's test capture in the simulation: the simulated finger answers, as at start-up.
    if (e == drivers::FingerEvent::kPlaceFinger && !ten_print_ && virtual_fingers_) virtual_fingers_->place(1);
  });
  if (virtual_fingers_) virtual_fingers_->connect();
  tick();
  changed();
}

void SessionRunner::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  stop_captures();
}

nlohmann::json SessionRunner::view() const {
  return ui::view_of(session_, live_, Clock::now());
}

void SessionRunner::changed() {
  if (publish_) publish_(view());
}

std::string SessionRunner::act(const nlohmann::json& request) {
  const auto now = Clock::now();
  const std::string action = request.at("action").get<std::string>();
  const Step before = session_.step();
  live_.erase("notice");
  std::string refusal;

  if (action == "touch") {
    session_.touch(now);
  } else if (action == "language") {
    const auto language = language_from_code(request.at("code").get<std::string>());
    if (!language) return "session.bad_request";
    session_.choose_language(*language, now);
  } else if (action == "display") {
    Display d = session_.display();
    d.speech = request.value("speech", d.speech);
    d.high_contrast = request.value("high_contrast", d.high_contrast);
    d.large_text = request.value("large_text", d.large_text);
    session_.set_display(d, now);
  } else if (action == "call_staff") {
    session_.call_staff(now);
    log::get("kiosk")->warn("the applicant called for staff at step {}", step_id(session_.step()));
  } else if (action == "start") {
    if (!live_.value("devices_ready", false)) {
      refusal = "session.kiosk_unavailable";
    } else if (auto ready = sync_.ready_for_applicant(); !ready) {
      // Said before the applicant starts, never after the capture (the outbox's quota).
      log::get("kiosk")->error("no applicant can start: {}", ready.error());
      refusal = "session.kiosk_full";
      live_["accepting"] = false;
    } else {
      refusal = refusal_key(session_.start(now));
      if (refusal.empty()) started_ = std::chrono::system_clock::now();
    }
  } else if (action == "status_lookup") {
    refusal = refusal_key(session_.look_up_status(now));
  } else if (action == "lookup") {
    if (session_.step() != Step::kStatusLookup) return "session.not_now";
    const std::string code = canonical_tracking_code(request.at("code").get<std::string>());
    session_.touch(now);
    if (code.empty()) {
      live_["lookup"] = {{"error", "status.not_a_code"}};  // said beside the code, not as a refusal
    } else {
      look_up(code);
    }
  } else if (action == "service") {
    refusal = refusal_key(session_.choose_service(request.at("id").get<std::string>(), now, request.value("lost", false)));
  } else if (action == "scan") {
    refusal = session_.step() == Step::kDataPage ? scan_data_page() : scan_paper(request.value("id", ""));
  } else if (action == "paper_done") {
    refusal = finish_paper(request.at("id").get<std::string>());
  } else if (action == "paper_skip") {
    refusal = refusal_key(session_.paper_skipped(request.at("id").get<std::string>(), now));
  } else if (action == "papers_done") {
    refusal = refusal_key(session_.papers_done(now));
  } else if (action == "consent") {
    refusal = refusal_key(session_.consent(request.at("given").get<bool>(), now));
  } else if (action == "retry") {
    // After a capture that ended without a result; a device that failed is opened again first.
    session_.touch(now);
    if (!recovering_.empty()) return "session.busy";
    if (const auto failed = session_.device_problem()) {
      device_returned(*failed);
    } else {
      if (session_.step() == Step::kPhoto) {
        // "Take it again" of the photo shown: it is dropped.
        scrub(proposed_photo_);
        live_.erase("photo_proposed");
        start_photo();
      }
      if (session_.step() == Step::kFingerprints) start_fingerprints();
    }
  } else if (action == "photo_accept") {
    if (session_.step() != Step::kPhoto || !proposed_photo_) return "session.not_now";
    face::CapturedPhoto photo = std::move(*proposed_photo_);
    proposed_photo_.reset();
    live_.erase("photo_proposed");
    refusal = refusal_key(session_.photo_taken(std::move(photo), proposed_match_, now));
  } else if (action == "finger_redo") {
    // A finger given again (its print, or its "cannot give", dropped): captured next.
    if (session_.step() != Step::kFingerprints || !ten_print_) return "session.not_now";
    const int position = request.at("position").get<int>();
    if (!ten_print_->redo(position)) return "session.bad_request";
    live_["fingers"].erase(std::to_string(position));
    live_.erase("fingers_complete");
    session_.touch(now);
    if (!session_.device_problem()) start_fingerprints();  // else once the reader is back
  } else if (action == "fingers_continue") {
    // Back at the fingers with all of them given: on, as they are.
    if (session_.step() != Step::kFingerprints || !ten_print_ || ten_print_running_ || !ten_print_->complete()) {
      return "session.not_now";
    }
    refusal = refusal_key(fingers_done(ten_print_->result()));
  } else if (action == "change") {
    const std::string step = request.at("step").get<std::string>();
    const Step target = step == "photo" ? Step::kPhoto : step == "fingerprints" ? Step::kFingerprints
                      : step == "documents" ? Step::kDocuments : Step::kWelcome;
    refusal = refusal_key(session_.change(target, now));
  } else if (action == "finger_missing") {
    if (session_.step() != Step::kFingerprints || !ten_print_) return "session.not_now";
    const int position = request.at("position").get<int>();
    const auto code = request.value("code", "unable") == "amputated" ? finger::MissingCode::kAmputated
                                                                     : finger::MissingCode::kUnableToPrint;
    if (!ten_print_->mark_missing(position, code, request.value("reason", ""))) return "session.bad_request";
    live_["fingers"][std::to_string(position)] = {{"state", "missing"}};
    session_.touch(now);
  } else if (action == "exempt") {
    // The exemption shown on entering the step is accepted and the applicant goes on.
    if (session_.step() != Step::kFingerprints || !live_.contains("exemptions")) return "session.not_now";
    refusal = refusal_key(session_.fingerprints_exempt(exemptions_that_apply(), now));
  } else if (action == "submit") {
    refusal = refusal_key(session_.submit(now));
  } else if (action == "print") {
    refusal = print_receipt();
  } else if (action == "finish") {
    refusal = refusal_key(session_.finish(now));
  } else if (action == "back") {
    refusal = refusal_key(session_.back(now));
  } else if (action == "cancel") {
    refusal = refusal_key(session_.cancel(now));
  } else {
    return "session.bad_request";
  }
  if (!refusal.empty()) live_["notice"] = refusal;
  after(before);
  changed();
  return refusal;
}

void SessionRunner::after(Step before) {
  const Step now = session_.step();
  if (now == before) return;
  stop_captures();
  if (now == Step::kWelcome) {
    ++generation_;  // a late answer of a capture for the wiped session goes nowhere
    recovery_.new_session();
    unplugged_.reset();
    const bool ready = live_.value("devices_ready", false);
    live_ = {{"devices_ready", ready}};
    check_accepting();
    delivering_.clear();
    photo_failures_ = 0;
    ten_print_.reset();
    scrub(proposed_photo_);
    return;
  }
  live_.erase("prompt");
  live_.erase("progress");
  live_.erase("fingers_complete");  // said again by start_fingerprints on a return to the fingers
  scrub(proposed_photo_);
  live_.erase("photo_proposed");
  if (now == Step::kDataPage) live_["prompt"] = prompt("scan.place_data_page");
  if (now == Step::kStatusLookup) start_qr_scan();
  if (now == Step::kPhoto) start_photo();
  if (now == Step::kFingerprints) start_fingerprints();
  if (now == Step::kSubmitting) seal_and_queue();
  if (now == Step::kReview && preview_ && session_.photo()) preview_(session_.photo()->photo, false);
  if (now == Step::kReceipt && devices_.printer) live_["print"] = {{"state", "ready"}};
}

// The receipt in the applicant's language, drawn off the loop and handed to the printer. Its
// state ("printing", "printed", "failed") is shown beside the Print button.
std::string SessionRunner::print_receipt() {
  if (session_.step() != Step::kReceipt || !devices_.printer || session_.service() == nullptr) return "session.not_now";
  if (live_.value("print", nlohmann::json::object()).value("state", "") == "printing") return "session.busy";
  session_.touch(Clock::now());
  const std::string_view language = info(session_.language()).code;
  auto catalogue = ui::Catalogue::load(config_.ui.messages_dir, language);
  if (!catalogue) {
    log::get("kiosk")->error("the receipt cannot be printed: {}", catalogue.error());
    live_["print"] = {{"state", "failed"}};
    return {};
  }
  live_["print"] = {{"state", "printing"}};
  ui::ReceiptDocument document = ui::receipt_document(*catalogue, language, *session_.service(), session_.tracking_code(),
                                                      config_.kiosk.id, std::chrono::system_clock::now());
  boost::asio::post(work_, [this, generation = generation_, document = std::move(document)] {
    auto pdf = ui::receipt_pdf(document);
    boost::asio::post(executor_, [this, generation, pdf = std::move(pdf)]() mutable {
      if (generation != generation_) return;  // the applicant has gone
      const auto printed = [this, generation](bool ok) {
        if (generation != generation_) return;
        live_["print"] = {{"state", ok ? "printed" : "failed"}};
        changed();
      };
      if (!pdf) {
        log::get("kiosk")->error("the receipt cannot be drawn: {}", pdf.error());
        return printed(false);
      }
      devices_.printer->print(std::move(*pdf), "Receipt",
                              [printed](drivers::Result<drivers::PrintJob> job) { printed(job.has_value()); });
    });
  });
  return {};
}

void SessionRunner::stop_captures() {
  if (data_page_) data_page_->cancel();
  if (photo_) photo_->stop();
  if (scanning_qr_) devices_.camera->stop();
  scanning_qr_ = false;
  ++qr_run_;
  if (ten_print_) ten_print_->cancel();  // kept: its fingers stay for a return to the step
  ten_print_running_ = false;
  ++ten_print_run_;
  if (paper_) paper_->cancel();
  data_page_.reset();
  photo_.reset();
  paper_.reset();
}

std::string SessionRunner::scan_data_page() {
  if (session_.step() != Step::kDataPage) return "session.not_now";
  if (data_page_ || !mrz_reader_) return "session.busy";
  session_.touch(Clock::now());
  data_page_ = std::make_shared<document::DataPageCapture>(executor_, *devices_.scanner, config_.scanner,
                                                           sim::scanner_options_of(rig_), mrz_reader_);
  live_["busy"] = true;
  live_["progress"] = 0.0;
  const auto generation = generation_;
  const auto* capture = data_page_.get();
  data_page_->capture(
      *session_.service(), today_utc(),
      [this, generation](double progress) {
        if (generation != generation_) return;
        live_["progress"] = progress;
        changed();
      },
      [this, generation, capture](document::DataPageOutcome outcome) {
        if (generation != generation_ || data_page_.get() != capture) return;  // wiped, or left
        data_page_.reset();
        live_.erase("busy");
        live_.erase("progress");
        const auto now = Clock::now();
        if (!outcome) {
          nlohmann::json args = nlohmann::json::object();
          if (outcome.error().valid_after) args["valid_after"] = iso_date(*outcome.error().valid_after);
          live_["prompt"] = prompt(std::string(document::prompt_id(outcome.error().prompt)), std::move(args));
          if (outcome.error().prompt == document::ScanPrompt::kScannerUnavailable) {
            device_fault(config::DeviceClass::kScanner, outcome.error().detail);
          }
          session_.touch(now);
          changed();
        } else {
          const Step before = session_.step();
          settle(before, session_.passport_read(outcome->fields, today_utc(), now, outcome->portrait));
        }
      });
  return {};
}

std::string SessionRunner::scan_paper(const std::string& id) {
  if (session_.step() != Step::kDocuments) return "session.not_now";
  if (data_page_ || (paper_ && paper_->paper().id != id)) return "session.busy";
  const auto& checklist = session_.checklist();
  const auto paper = std::ranges::find(checklist, id, &config::SupportingDocument::id);
  if (paper == checklist.end()) return "session.bad_request";
  const config::FileRule* rule = config_.services.file_rule(paper->file_rule);
  if (rule == nullptr) return "session.bad_request";
  session_.touch(Clock::now());
  if (!paper_) {
    paper_ = std::make_shared<document::PaperCapture>(executor_, *devices_.scanner, config_.scanner,
                                                      sim::scanner_options_of(rig_), *paper, *rule);
  }
  live_["busy"] = true;
  live_["paper"] = {{"id", id}, {"pages", paper_->pages()}};
  const auto generation = generation_;
  paper_->scan(
      [this, generation](drivers::ScanProgress p) {
        if (generation != generation_) return;
        live_["progress"] = p.fraction;
        changed();
      },
      [this, generation, id](std::expected<int, document::PaperRefusal> pages) {
        if (generation != generation_) return;
        live_.erase("busy");
        live_.erase("progress");
        if (!pages) {
          live_["prompt"] = prompt(std::string(document::prompt_id(pages.error().prompt)),
                                   {{"page", pages.error().page}});
          if (pages.error().prompt == document::ScanPrompt::kScannerUnavailable) {
            device_fault(config::DeviceClass::kScanner, pages.error().detail);
          }
        } else {
          live_.erase("prompt");
          live_["paper"] = {{"id", id}, {"pages", *pages}};
          // What was scanned, small, beside the paper: the applicant sees the page came out whole.
          if (preview_ && paper_ && !paper_->last_page().empty()) preview_(paper_->last_page(), false);
        }
        session_.touch(Clock::now());
        changed();
      });
  return {};
}

std::string SessionRunner::finish_paper(const std::string& id) {
  if (session_.step() != Step::kDocuments) return "session.not_now";
  if (!paper_ || paper_->paper().id != id || paper_->pages() == 0) return "documents.scan_first";
  if (live_.value("busy", false)) return "session.busy";
  live_["busy"] = true;
  const auto generation = generation_;
  paper_->finish([this, generation, id](std::expected<document::EncodedFile, document::PaperRefusal> file) {
    if (generation != generation_) return;
    live_.erase("busy");
    if (!file) {
      live_["prompt"] = prompt(std::string(document::prompt_id(file.error().prompt)), {{"page", file.error().page}});
    } else {
      if (auto ok = session_.paper_handed(id, std::move(*file), Clock::now()); !ok) live_["notice"] = ok.error().key;
      live_.erase("prompt");
      live_.erase("paper");
      if (paper_ && paper_->paper().id == id) paper_.reset();
    }
    changed();
  });
  return {};
}

void SessionRunner::start_photo() {
  if (photo_) return;
  auto detector = face::FaceDetector::load(config_.face);
  const config::PhotoSpec* spec = config_.services.photo_spec(session_.service()->photo_spec);
  if (!detector || spec == nullptr) {
    log::get("kiosk")->error("the photo cannot start: {}", detector ? "no photo spec" : detector.error());
    declare_failed(config::DeviceClass::kCamera, "the face models cannot be loaded");
    return;
  }
  live_["prompt"] = prompt("photo.no_face");
  live_["photo"] = {{"passing", 0}, {"needed", config_.face.consecutive_frames}};
  const auto generation = generation_;
  // The camera is opened afresh for each photo: a file source starts from its beginning.
  auto models = std::make_shared<std::unique_ptr<face::FaceDetector>>(std::move(*detector));
  devices_.camera->close([this, generation, models, spec](drivers::Result<void>) {
    devices_.camera->open(drivers::camera_source_from(config_.camera), [this, generation, models, spec](
                                                                          drivers::Result<drivers::CameraInfo> info) {
      if (generation != generation_ || session_.step() != Step::kPhoto) return;
      if (!info) return device_fault(config::DeviceClass::kCamera, info.error().message());
      photo_ = std::make_shared<face::PhotoCapture>(executor_, *devices_.camera, std::move(*models),
                                                    config_.face.consecutive_frames);
      const auto* capture = photo_.get();
      photo_->start(
          *spec,
          [this, generation, capture](const face::CaptureProgress& p) {
            // A frame analysed after the photo was taken is not shown over it.
            if (generation != generation_ || photo_.get() != capture) return;
            const std::string key(face::guidance_id(p.analysis.guidance));
            const bool news = live_["prompt"].value("key", "") != key ||
                              live_["photo"].value("passing", -1) != p.passing_in_a_row;
            live_["prompt"] = prompt(key);
            live_["photo"]["passing"] = p.passing_in_a_row;
            if (news) changed();
            if (preview_ && !p.frame.empty()) preview_(p.frame, true);
          },
          [this, generation, capture](face::CaptureOutcome outcome) {
            if (generation != generation_ || photo_.get() != capture) return;  // wiped, or left
            photo_.reset();
            if (!outcome) {
              const std::string instruction = live_.value("prompt", nlohmann::json::object()).value("key", "");
              // A file source that ran out is no fault of the camera's.
              capture_ended(outcome.error(), "photo.try_again", config::DeviceClass::kCamera,
                            drivers::ProblemCode::kEndOfStream);
              if (outcome.error().code != drivers::ProblemCode::kCancelled) photo_failed(instruction);
              return;
            }
            if (photo_failed_sessions_ >= kPhotoFailedSessions) {
              report_device(config::DeviceClass::kCamera, true, "a photo was taken again");
            }
            photo_failed_sessions_ = 0;
            face::FaceMatch match;
            if (matcher_) {
              match = matcher_->match(outcome->photo, session_.portrait());
            } else {
              match.not_compared = "no face detector";
            }
            // Shown to the applicant, who accepts it or takes it again.
            live_.erase("photo");
            live_["photo_proposed"] = true;
            live_["prompt"] = prompt("photo.accept_question");
            scrub(proposed_photo_);
            proposed_photo_ = std::move(*outcome);
            proposed_match_ = std::move(match);
            if (preview_) preview_(proposed_photo_->photo, false);
            changed();
          });
    });
  });
}

void SessionRunner::photo_failed(const std::string& instruction) {
  if (photo_failures_++ == 0) ++photo_failed_sessions_;
  const bool for_everyone = photo_failed_sessions_ >= kPhotoFailedSessions;
  if (for_everyone) {
    // Not this applicant's doing: the camera, its light or its calibration. The office and
    // technician mode hear of it, with the instruction the applicants could not follow.
    report_device(config::DeviceClass::kCamera, false,
                  fmt::format("the photo failed for {} applicants in a row; the last instruction: {}",
                              photo_failed_sessions_, instruction.empty() ? "none" : instruction));
  }
  if ((photo_failures_ >= 2 || for_everyone) && !session_.staff_called()) {
    log::get("kiosk")->warn("the photo failed {} time(s) for this applicant, {} applicant(s) in a row (last instruction {}): staff called",
                            photo_failures_, photo_failed_sessions_, instruction);
    session_.call_staff(Clock::now());
    live_["notice"] = "photo.staff_called";
    changed();
  }
}

void SessionRunner::start_fingerprints() {
  if (ten_print_running_) return;
  if (!ten_print_) {
    live_.erase("exemptions");
    if (const auto exemptions = exemptions_that_apply(); !exemptions.empty()) {
      nlohmann::json reasons = nlohmann::json::array();
      for (const auto& e : exemptions) reasons.push_back(finger::exemption_id(e.reason));
      live_["exemptions"] = reasons;
      live_["prompt"] = prompt("fingers.exempt");
      return;
    }
    if (!live_.contains("fingers")) live_["fingers"] = nlohmann::json::object();
    ten_print_ = std::make_shared<finger::TenPrintSession>(
        *devices_.fingerprint, config_.fingerprint_rules, config_.fingerprint,
        [this, generation = generation_](const finger::TenPrintEvent& e) {
          if (generation == generation_) on_finger_event(e);
        });
    // Fingers marked missing before stay missing.
    for (const auto& [position, state] : live_["fingers"].items()) {
      if (state.value("state", "") == "missing") ten_print_->mark_missing(std::stoi(position), finger::MissingCode::kUnableToPrint, "");
    }
  }
  if (ten_print_->running()) return;  // a run cancelled by leaving the step has yet to end: it starts us again
  // Back at the step with every finger given (from the documents, or to change them from the
  // review): nothing is captured until the applicant chooses a finger to give again, or goes on.
  if (ten_print_->complete()) {
    live_.erase("current_finger");
    live_["fingers_complete"] = true;
    live_["prompt"] = prompt("fingers.all_taken");
    return;
  }
  live_.erase("fingers_complete");
  // After a failure (the reader unplugged, a device error, no finger in time) the same capture
  // goes on: the fingers accepted before it stay.
  ten_print_running_ = true;
  const auto generation = generation_;
  const auto run = ten_print_run_;
  const auto* capture = ten_print_.get();
  ten_print_->run([this, generation, run, capture](drivers::Result<finger::TenPrintResult> result) {
    if (generation != generation_ || ten_print_.get() != capture) return;  // wiped
    if (run != ten_print_run_) {
      // Cancelled when the step was left; if the applicant is back at it, the capture goes on now.
      if (session_.step() == Step::kFingerprints && !ten_print_running_) start_fingerprints();
      return;
    }
    ten_print_running_ = false;
    if (!result) {
      // No finger within the deadline is the applicant's pause, not the reader's fault.
      return capture_ended(result.error(), "fingers.try_again", config::DeviceClass::kFingerprint,
                           drivers::ProblemCode::kTimeout);
    }
    live_.erase("current_finger");
    const Step before = session_.step();
    settle(before, fingers_done(std::move(*result)));
  });
}

Outcome SessionRunner::fingers_done(finger::TenPrintResult result) {
  return result.all_missing()
             ? session_.fingerprints_exempt({{finger::ExemptionReason::kNoFingerPrintable, "all ten fingers missing"}},
                                            Clock::now())
             : session_.fingerprints_taken(std::move(result), Clock::now());
}

void SessionRunner::on_finger_event(const finger::TenPrintEvent& e) {
  const std::string position = std::to_string(e.position);
  const std::string finger(finger::finger_name(e.position));
  switch (e.kind) {
    case Kind::kPlaceFinger:
      live_["current_finger"] = e.position;
      live_["prompt"] = prompt(e.attempt > 1 ? "fingers.place_again" : "fingers.place", {{"finger", finger}});
      if (virtual_fingers_) virtual_fingers_->place(e.position);
      break;
    case Kind::kFingerOnSensor:
      live_["prompt"] = prompt("fingers.hold", {{"finger", finger}});
      break;
    case Kind::kTryAgain:
      live_["prompt"] = prompt("fingers.feedback." + std::string(finger::to_string(e.feedback)), {{"finger", finger}});
      break;
    case Kind::kSameFingerAgain:
      live_["prompt"] = prompt("fingers.same_finger", {{"finger", finger}});
      break;
    case Kind::kFingerAccepted:
      live_["fingers"][position] = {{"state", "done"}, {"quality", e.quality}};
      break;
    case Kind::kFingerSkipped:
      live_["fingers"][position] = {{"state", "missing"}};
      break;
    case Kind::kReaderLost:
      device_unplugged(config::DeviceClass::kFingerprint, "the reader went away");
      break;
  }
  session_.touch(Clock::now());
  changed();
}

void SessionRunner::seal_and_queue() {
  RecordContext context{.kiosk_id = config_.kiosk.id,
                        .packet_id = sync::new_packet_id(),
                        .tracking_code = new_tracking_code(),
                        .started = started_,
                        .now = std::chrono::system_clock::now(),
                        .devices = device_identities_};
  auto record = record_of(session_, context);
  const auto generation = generation_;
  if (!record || !sync_.sealer || !sync_.outbox) {
    log::get("kiosk")->error("the record cannot be made: {}", record ? "the kiosk cannot seal" : record.error());
    live_["notice"] = "submit.failed";
    session_.submit_failed(Clock::now());
    session_.call_staff(Clock::now());
    return;
  }
  // Sealing and the outbox's fsyncs take tens of milliseconds: off the loop. The plaintext
  // record stays in memory and is scrubbed with the session.
  boost::asio::post(work_, [this, generation, contents = std::move(*record), code = context.tracking_code]() mutable {
    auto sealed = sync_.sealer->seal(contents);
    sync::Expected<void> queued = sealed ? sync_.outbox->enqueue(*sealed) : std::unexpected(sealed.error());
    for (sync::PacketPart& part : contents.parts) std::fill(part.bytes.begin(), part.bytes.end(), '\0');
    boost::asio::post(executor_, [this, generation, queued, code, id = contents.id] {
      if (generation != generation_) return;
      const Step before = session_.step();
      if (!queued) {
        log::get("kiosk")->error("the record cannot be queued: {}", queued.error());
        live_["notice"] = "submit.failed";
        session_.submit_failed(Clock::now());
        session_.call_staff(Clock::now());
      } else {
        log::get("kiosk")->info("record {} sealed and queued", id);
        live_["delivery"] = "queued";  // until the office has it: see tick()
        delivering_ = id;
        session_.submitted(code, Clock::now());
        if (sync_.uploader) sync_.uploader->poke();
      }
      after(before);
      changed();
    });
  });
}

void SessionRunner::start_qr_scan() {
  if (scanning_qr_ || !devices_.camera) return;
  scanning_qr_ = true;
  const auto run = ++qr_run_;
  // Still at this lookup (a frame read after the camera's stream ended counts: a still picture).
  const auto looking = [this, run] { return run == qr_run_ && session_.step() == Step::kStatusLookup; };
  devices_.camera->close([this, looking, run](drivers::Result<void>) {
    devices_.camera->open(drivers::camera_source_from(config_.camera), [this, looking, run](drivers::Result<drivers::CameraInfo> info) {
      if (!looking()) return;
      if (!info) {
        // The code can still be typed: the lookup goes on without the camera.
        log::get("kiosk")->warn("the camera cannot look for a receipt's code: {}", info.error().message());
        scanning_qr_ = false;
        return;
      }
      auto decoding = std::make_shared<bool>(false);  // one frame at a time is read, off the loop
      devices_.camera->start(
          [this, looking, decoding](drivers::Frame frame) {
            if (!looking()) return;
            const drivers::Image& i = frame.image;
            cv::Mat bgr;
            cv::cvtColor(cv::Mat(i.height, i.width, CV_8UC3, const_cast<std::uint8_t*>(i.pixels.data())), bgr, cv::COLOR_RGB2BGR);
            if (preview_) preview_(bgr, true);
            if (*decoding) return;
            *decoding = true;
            boost::asio::post(work_, [this, looking, decoding, bgr] {
              std::optional<std::string> text = document::read_qr_code(bgr);
              boost::asio::post(executor_, [this, looking, decoding, text = std::move(text)] {
                *decoding = false;
                if (!text || !looking()) return;
                const std::string code = canonical_tracking_code(*text);
                // Another QR code than a receipt's is not ours: the camera goes on looking.
                if (code.empty() || live_.value("lookup", nlohmann::json::object()).value("code", "") == code) return;
                session_.touch(Clock::now());
                look_up(code);
                changed();
              });
            });
          },
          [this, run](drivers::Problem) {
            if (run == qr_run_) scanning_qr_ = false;
          });
    });
  });
}

void SessionRunner::look_up(const std::string& code) {
  live_["lookup"] = {{"code", code}, {"busy", true}};
  if (!sync_.office) {
    live_["lookup"] = {{"code", code}, {"error", "status.unavailable"}};
    return;
  }
  const auto generation = generation_;
  boost::asio::co_spawn(
      executor_, sync_.office->application_status(code),
      [this, generation, code](std::exception_ptr failure, sync::Expected<sync::ApplicationStatus> status) {
        if (generation != generation_ || session_.step() != Step::kStatusLookup) return;
        if (failure || !status) {
          const bool unknown = !failure && status.error() == "unknown tracking code";
          live_["lookup"] = {{"code", code}, {"error", unknown ? "status.unknown_code" : "status.unavailable"}};
        } else {
          live_["lookup"] = {{"code", code},
                             {"state", sync::to_string(status->state)},
                             {"updated_at", status->updated_at}};
        }
        changed();
      });
}

std::vector<finger::Exemption> SessionRunner::exemptions_that_apply() const {
  const finger::ApplicantFacts facts{session_.passport()->date_of_birth, today_utc(), session_.service()->visa_category,
                                     std::nullopt, 0};
  auto exemptions = finger::exemptions(config_.fingerprint_rules, facts);
  return exemptions ? std::move(*exemptions) : std::vector<finger::Exemption>{};
}

void SessionRunner::settle(Step before, const Outcome& outcome) {
  if (!outcome) live_["notice"] = outcome.error().key;
  after(before);
  changed();
}

void SessionRunner::capture_ended(const drivers::Problem& problem, std::string_view try_again,
                                  config::DeviceClass device, drivers::ProblemCode not_a_fault) {
  if (problem.code == drivers::ProblemCode::kCancelled) return;  // the step was left
  live_["prompt"] = prompt(std::string(try_again));
  using enum drivers::ProblemCode;
  if (problem.code == not_a_fault) {
    changed();
  } else if (problem.code == kRemoved || problem.code == kNotOpen || problem.code == kNotFound) {
    device_unplugged(device, problem.message());
  } else {
    device_fault(device, problem.message());
  }
}

void SessionRunner::declare_failed(config::DeviceClass device, std::string what) {
  log::get("kiosk")->error("{} failed during a session: {}", config::to_string(device), what);
  report_device(device, false, "failed during a session at " + utc_text(std::chrono::system_clock::now()) + ": " + what);
  session_.device_failed(device, Clock::now());  // the screen says so, and that staff is called
  changed();
}

void SessionRunner::report_device(config::DeviceClass device, bool ok, std::string detail) {
  if (!sync_.devices.is_object()) return;  // the start-up check has not reported yet
  sync_.devices[std::string(config::to_string(device))] = {{"ok", ok}, {"detail", std::move(detail)}};
}

void SessionRunner::device_fault(config::DeviceClass device, std::string what) {
  if (recovering_.contains(device)) return;
  if (!recovery_.can_reset(device)) return declare_failed(device, std::move(what));
  recovering_.insert(device);
  const nlohmann::json was = live_.value("prompt", nlohmann::json());
  live_["prompt"] = prompt("device.restarting");
  changed();
  recovery_.reset_and_reopen(device, [this, device, what, was, generation = generation_](std::string failure) {
    recovering_.erase(device);
    if (generation != generation_) return;
    if (!failure.empty()) {
      live_["prompt"] = was;
      return declare_failed(device, what + "; " + failure);
    }
    log::get("kiosk")->info("{} answers again after a USB port reset", config::to_string(device));
    report_device(device, true, "working again after a USB port reset at " + utc_text(std::chrono::system_clock::now()));
    live_["prompt"] = prompt("device.restarted");
    go_on_with(device);
  });
}

void SessionRunner::device_unplugged(config::DeviceClass device, std::string what) {
  if (session_.device_problem() == device) return changed();  // heard of already
  unplugged_ = device;
  last_probe_ = Clock::now();
  declare_failed(device, std::move(what));
}

void SessionRunner::device_returned(config::DeviceClass device, bool probing) {
  if (reopening_) return;
  reopening_ = true;
  recovery_.reopen(device, [this, device, probing, generation = generation_](std::string failure) {
    reopening_ = false;
    if (generation != generation_ || session_.device_problem() != device) return;
    if (!failure.empty()) {
      // While an unplugged device is looked for, each look that does not find it is no news.
      log::get("kiosk")->log(probing ? spdlog::level::debug : spdlog::level::warn, "{} is still unavailable: {}",
                             config::to_string(device), failure);
      if (!probing) changed();
      return;
    }
    log::get("kiosk")->info("{} is back", config::to_string(device));
    report_device(device, true, "working again since " + utc_text(std::chrono::system_clock::now()));
    session_.device_back(device, Clock::now());
    unplugged_.reset();
    live_.erase("notice");
    go_on_with(device);
  });
}

void SessionRunner::go_on_with(config::DeviceClass device) {
  if (device == config::DeviceClass::kFingerprint && virtual_fingers_) virtual_fingers_->connect();  // a new socket
  if (session_.step() == Step::kPhoto && device == config::DeviceClass::kCamera) start_photo();
  if (session_.step() == Step::kFingerprints && device == config::DeviceClass::kFingerprint) start_fingerprints();
  changed();
}

void SessionRunner::usb_changed(drivers::UsbChange change, config::DeviceClass device) {
  if (recovering_.contains(device)) return;  // a port reset: the device leaves and comes back
  if (change == drivers::UsbChange::kArrived) {
    if (session_.device_problem() == device) device_returned(device);
    return;
  }
  // Gone from the bus while its step needs it: the applicant hears of it now, not at the next try.
  const Step step = session_.step();
  const bool in_use = (device == config::DeviceClass::kScanner && (step == Step::kDataPage || step == Step::kDocuments)) ||
                      (device == config::DeviceClass::kCamera && step == Step::kPhoto) ||
                      (device == config::DeviceClass::kFingerprint && step == Step::kFingerprints);
  if (in_use) device_unplugged(device, "unplugged");
}

void SessionRunner::check_accepting() {
  const auto ready = sync_.ready_for_applicant();
  if (!ready && live_.value("accepting", true)) log::get("kiosk")->warn("no new applicant can start: {}", ready.error());
  live_["accepting"] = ready.has_value();
}

void SessionRunner::tick() {
  if (stopped_) return;
  const auto now = Clock::now();
  const Step before = session_.step();
  const IdleState idle = session_.tick(now);
  // An unplugged device is looked for every few seconds, for where no hot-plug event will come
  // (a device off USB, the simulation's reader, a system without libusb hot-plug).
  if (unplugged_ && session_.device_problem() == unplugged_ && now - last_probe_ >= std::chrono::seconds(3)) {
    last_probe_ = now;
    device_returned(*unplugged_, true);
  }
  // The receipt says where the record is: queued on this kiosk until the office has taken it.
  if (!delivering_.empty() && sync_.outbox) {
    const auto entry = sync_.outbox->find(delivering_);
    if (entry && (!*entry || (*entry)->state >= sync::PacketState::kAcknowledged)) {
      live_["delivery"] = "sent";
      delivering_.clear();
      changed();
    }
  }
  // Whether a new applicant can be taken (the outbox's room), looked at while the welcome shows,
  // so that Start is not offered to be refused after the tap.
  if (session_.step() == Step::kWelcome && now - last_admit_check_ >= std::chrono::seconds(5)) {
    last_admit_check_ = now;
    const bool was = live_.value("accepting", true);
    check_accepting();
    if (was != live_.value("accepting", true)) changed();
  }
  const std::int64_t left = idle == IdleState::kWarning ? session_.seconds_left(now).count() : -1;
  if (idle == IdleState::kWiped) {
    log::get("kiosk")->info("an idle session was wiped");
    after(before);
    changed();
  } else if (left != last_seconds_left_) {
    changed();
  }
  last_seconds_left_ = left;
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) tick();
  });
}

}  // namespace kiosk::app
