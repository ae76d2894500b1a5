// Technician mode; see technician_desk.hpp.
#include "kiosk/technician/technician_desk.hpp"

#include <opencv2/core.hpp>

#include "capture/document/data_page.hpp"
#include "capture/document/scan_image.hpp"
#include "capture/face/face_detector.hpp"
#include "capture/face/photo_rules.hpp"
#include "capture/finger/quality.hpp"
#include "config/log.hpp"
#include "config/utc_text.hpp"

namespace kiosk::app {
namespace {

nlohmann::json device(const std::optional<std::string>& found) {
  return found ? nlohmann::json{{"ok", true}, {"detail", *found}} : nlohmann::json{{"ok", false}};
}

}  // namespace

TechnicianDesk::TechnicianDesk(boost::asio::any_io_executor executor, const config::Config& config, SyncLink& link,
                               Devices& devices, const sim::Rig* rig,
                               std::shared_ptr<const document::MrzReader> mrz_reader,
                               std::function<bool()> applicant_present)
    : executor_(std::move(executor)),
      config_(config),
      link_(link),
      devices_(devices),
      rig_(rig),
      mrz_reader_(std::move(mrz_reader)),
      applicant_present_(std::move(applicant_present)),
      gate_(config.ui.technician_pin, config.kiosk.state_dir / "technician.json") {
  if (link_.uploader) {
    link_.uploader->on_event([this](const sync::UploadEvent& e) {
      if (e.kind == sync::UploadEvent::Kind::kDelivered) {
        last_delivery_ = std::chrono::system_clock::now();
      } else {
        last_failure_ = std::pair{std::chrono::system_clock::now(), e.detail};
      }
    });
  }
}

void TechnicianDesk::devices_checked(const DeviceCheckResult& result) { checked_ = result; }

nlohmann::json TechnicianDesk::status() const {
  nlohmann::json s = {{"health", health_report(config_, link_)}};
  if (checked_) {
    s["devices"] = {{"fingerprint", device(checked_->fingerprint)},
                    {"scanner", device(checked_->scanner)},
                    {"camera", device(checked_->camera)}};
  } else {
    s["devices"] = nullptr;  // still being checked
  }
  s["tests"] = tests_;
  s["last_delivery"] = last_delivery_ ? nlohmann::json(utc_text(*last_delivery_)) : nlohmann::json(nullptr);
  s["last_failure"] = last_failure_ ? nlohmann::json{{"at", utc_text(last_failure_->first)}, {"detail", last_failure_->second}}
                                    : nlohmann::json(nullptr);
  return s;
}

nlohmann::json TechnicianDesk::diagnostics() const {
  nlohmann::json d = status();
  d["generated_at"] = utc_text(std::chrono::system_clock::now());
  // Settings a support engineer needs; paths to keys and certificates, not their contents.
  d["settings"] = {{"kiosk_id", config_.kiosk.id},
                   {"config_file", config_.source.string()},
                   {"simulation", config_.simulation.enabled},
                   {"scanner", {{"device", config_.scanner.device}, {"resolution_dpi", config_.scanner.resolution_dpi}}},
                   {"camera", {{"source", config::to_string(config_.camera.source)},
                               {"location", config_.camera.location},
                               {"width", config_.camera.width},
                               {"height", config_.camera.height}}},
                   {"office", {{"host", config_.sync.office_host}, {"port", config_.sync.office_port}}},
                   {"services", config_.services.services.size()}};
  return d;
}

TechnicianReply TechnicianDesk::handle(std::string_view method, std::string_view path, const nlohmann::json& body,
                                       std::string_view token) {
  const auto now = std::chrono::system_clock::now();
  if (method == "POST" && path == "open") {
    const std::string pin = body.is_object() ? body.value("pin", "") : "";
    auto opened = gate_.open(pin, now);
    if (opened) {
      log::get("technician")->info("technician mode opened");
      return {200, {{"token", *opened}}};
    }
    switch (opened.error().kind) {
      case GateRefusal::Kind::kNoPinSet: return {503, {{"refusal", "technician.no_pin"}}};
      case GateRefusal::Kind::kWrongPin:
        log::get("technician")->warn("wrong technician PIN; {} attempt(s) left", opened.error().attempts_left);
        return {401, {{"refusal", "technician.wrong_pin"}, {"attempts_left", opened.error().attempts_left}}};
      case GateRefusal::Kind::kLockedOut:
        log::get("technician")->warn("technician mode locked until {}", utc_text(opened.error().locked_until));
        return {423, {{"refusal", "technician.locked"}, {"locked_until", utc_text(opened.error().locked_until)}}};
    }
  }
  if (!gate_.admits(token, now)) return {401, {{"refusal", "technician.closed"}}};
  if (method == "GET" && path == "status") return {200, status()};
  if (method == "GET" && path == "diagnostics") return {200, diagnostics()};
  if (method == "POST" && path == "test") return test(body.is_object() ? body.value("device", "") : "");
  if (method == "POST" && path == "close") {
    gate_.close();
    return {200, {{"ok", true}}};
  }
  return {404, {{"refusal", "technician.unknown"}}};
}

TechnicianReply TechnicianDesk::test(const std::string& device) {
  if (device != "camera" && device != "scanner" && device != "fingerprint") {
    return {400, {{"refusal", "technician.unknown"}}};
  }
  if (applicant_present_()) return {409, {{"refusal", "technician.applicant_present"}}};
  if (tests_.contains(device) && tests_[device].value("running", false)) return {409, {{"refusal", "session.busy"}}};
  tests_[device] = {{"running", true}, {"started", utc_text(std::chrono::system_clock::now())}};
  log::get("technician")->info("test capture on the {}", device);
  if (device == "camera") test_camera();
  if (device == "scanner") test_scanner();
  if (device == "fingerprint") test_fingerprint();
  return {202, {{"started", device}}};
}

// A frame a second into the stream (the camera's exposure settles): its size, the light and colour
// balance in the middle, and the photo rules' verdict as the first service's photo spec asks.
void TechnicianDesk::test_camera() {
  auto failed = [this](const std::string& why) { tests_["camera"] = {{"ok", false}, {"detail", why}}; };
  devices_.camera->close([this, failed](drivers::Result<void>) {
    devices_.camera->open(drivers::camera_source_from(config_.camera), [this, failed](drivers::Result<drivers::CameraInfo> info) {
      if (!info) return failed(info.error().message());
      auto frames = std::make_shared<int>(0);
      auto kept = std::make_shared<std::optional<drivers::Frame>>();
      const int wanted = std::max(1, static_cast<int>(config_.camera.fps));
      devices_.camera->start(
          [this, frames, kept, wanted](drivers::Frame frame) {
            if (++*frames < wanted || *kept) return;
            *kept = std::move(frame);
            devices_.camera->stop();
          },
          [this, kept, failed](drivers::Problem end) {
            if (!*kept) return failed(end.message());
            const cv::Mat bgr = document::to_mat((*kept)->image);
            if (bgr.empty() || bgr.channels() != 3) return failed("the camera's frame is not 8-bit colour");
            const cv::Mat middle = bgr(cv::Rect(bgr.cols / 4, bgr.rows / 4, bgr.cols / 2, bgr.rows / 2));
            const cv::Scalar mean = cv::mean(middle);
            nlohmann::json t = {{"ok", true},
                                {"width", bgr.cols},
                                {"height", bgr.rows},
                                {"mean_luminance", 0.114 * mean[0] + 0.587 * mean[1] + 0.299 * mean[2]},
                                {"red_to_green", mean[1] > 0 ? mean[2] / mean[1] : 0},
                                {"blue_to_green", mean[1] > 0 ? mean[0] / mean[1] : 0}};
            const config::PhotoSpec* spec = config_.services.services.empty()
                                                ? nullptr
                                                : config_.services.photo_spec(config_.services.services.front().photo_spec);
            auto detector = face::FaceDetector::load(config_.face);
            if (spec != nullptr && detector) {
              const face::PhotoAnalysis a = face::analyse_photo(bgr, *spec, **detector);
              int passed = 0;
              for (const auto& r : a.rules) passed += r.passed ? 1 : 0;
              t["photo"] = {{"spec", spec->name},
                            {"instruction", face::guidance_id(a.guidance)},
                            {"rules_passed", passed},
                            {"rules", a.rules.size()},
                            {"faces", a.faces}};
            }
            tests_["camera"] = std::move(t);
          });
    });
  });
}

// The data page on the glass read as an applicant's would be: whether the zone was read, how many
// characters the check digits corrected, the skew; never the document's text.
void TechnicianDesk::test_scanner() {
  if (!mrz_reader_ || config_.services.services.empty()) {
    tests_["scanner"] = {{"ok", false}, {"detail", "no MRZ reader or no service"}};
    return;
  }
  auto capture = std::make_shared<document::DataPageCapture>(
      executor_, *devices_.scanner, config_.scanner,
      sim::scanner_options_of(rig_), mrz_reader_);
  capture->capture(config_.services.services.front(), today_utc(), [](double) {},
                   [this, capture](document::DataPageOutcome outcome) {
                     if (!outcome) {
                       tests_["scanner"] = {{"ok", false},
                                            {"mrz_read", false},
                                            {"prompt", document::prompt_id(outcome.error().prompt)},
                                            {"detail", outcome.error().detail}};
                       return;
                     }
                     tests_["scanner"] = {{"ok", true},
                                          {"mrz_read", true},
                                          {"corrections", outcome->fields.corrections},
                                          {"skew_deg", outcome->zone.skew_deg},
                                          {"dpi", outcome->dpi},
                                          {"portrait_found", !outcome->portrait.empty()}};
                   });
}

// One capture from the reader and its quality as the ten-print capture would judge it.
void TechnicianDesk::test_fingerprint() {
  devices_.fingerprint->capture(config_.fingerprint.capture_timeout, [this](drivers::Result<drivers::Image> image) {
    if (!image) {
      tests_["fingerprint"] = {{"ok", false}, {"detail", image.error().message()}};
      return;
    }
    const cv::Mat grey(image->height, image->width, CV_8UC1, image->pixels.data());
    const double ppi = image->pixels_per_inch > 0 ? image->pixels_per_inch : config_.fingerprint.resolution_ppi;
    const finger::QualityReport q = finger::assess_quality(grey, ppi);
    tests_["fingerprint"] = {{"ok", true},
                             {"width", image->width},
                             {"height", image->height},
                             {"ppi", ppi},
                             {"quality", q.score},
                             {"feedback", finger::to_string(q.feedback(config_.fingerprint_rules.min_quality_for(1)))},
                             {"foreground_mm2", q.measures.foreground_mm2}};
  });
}

}  // namespace kiosk::app
