// Technician mode; see technician_desk.hpp.
#include "kiosk/technician/technician_desk.hpp"

#include <boost/asio/post.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "capture/document/data_page.hpp"
#include "capture/document/scan_image.hpp"
#include "capture/face/face_detector.hpp"
#include "capture/face/photo_rules.hpp"
#include "capture/finger/quality.hpp"
#include "config/log.hpp"
#include "config/utc_text.hpp"
#include "sync/tus.hpp"

namespace kiosk::app {

TechnicianDesk::TechnicianDesk(boost::asio::any_io_executor executor, const config::Config& config, SyncLink& link,
                               Devices& devices, CalibrationStore& calibration, const sim::Rig* rig,
                               sim::VirtualFingers* fingers, std::shared_ptr<const document::MrzReader> mrz_reader,
                               std::function<bool()> applicant_present)
    : executor_(std::move(executor)),
      config_(config),
      link_(link),
      devices_(devices),
      calibration_(calibration),
      rig_(rig),
      fingers_(fingers),
      mrz_reader_(std::move(mrz_reader)),
      applicant_present_(std::move(applicant_present)),
      gate_(config.ui.technician_pin, config.kiosk.state_dir / "technician.json") {}

nlohmann::json TechnicianDesk::status() const {
  // The devices as the start-up check found them; null while it runs.
  nlohmann::json s = {{"health", health_report(config_, link_)}, {"devices", link_.devices}};
  s["tests"] = tests_;
  s["calibration"] = {{"saved", calibration_.shown()}, {"last", calibrating_}};
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
  if (method == "POST" && path == "calibrate") return calibrate(body);
  if (method == "POST" && path == "close") {
    gate_.close();
    return {200, {{"ok", true}}};
  }
  return {404, {{"refusal", "technician.unknown"}}};
}

std::optional<TechnicianReply> TechnicianDesk::refusal_to_start(const std::string& device) const {
  if (device != "camera" && device != "scanner" && device != "fingerprint") {
    return TechnicianReply{400, {{"refusal", "technician.unknown"}}};
  }
  if (applicant_present_()) return TechnicianReply{409, {{"refusal", "technician.applicant_present"}}};
  const auto running = [&](const nlohmann::json& j) { return j.contains(device) && j[device].value("running", false); };
  if (running(tests_) || running(calibrating_)) return TechnicianReply{409, {{"refusal", "session.busy"}}};
  return std::nullopt;
}

TechnicianReply TechnicianDesk::test(const std::string& device) {
  if (auto refused = refusal_to_start(device)) return *refused;
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
  const int settle = std::max(1, static_cast<int>(config_.camera.fps));
  using Frames = std::expected<std::vector<cv::Mat>, std::string>;
  grab_frames(drivers::camera_source_from(config_.camera), settle, 1, [this, failed](Frames frames) {
    if (!frames || frames->empty()) return failed(frames ? "the camera gave no frame" : frames.error());
    cv::Mat bgr;
    cv::cvtColor(frames->front(), bgr, cv::COLOR_RGB2BGR);
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
}

void TechnicianDesk::grab_frames(const drivers::CameraSource& source, int skip, int count,
                                 std::function<void(std::expected<std::vector<cv::Mat>, std::string>)> done,
                                 std::function<void(const cv::Mat& rgb)> shown) {
  devices_.camera->close([this, source, skip, count, done, shown](drivers::Result<void>) {
    devices_.camera->open(source, [this, skip, count, done, shown](drivers::Result<drivers::CameraInfo> info) {
      if (!info) return done(std::unexpected(info.error().message()));
      auto seen = std::make_shared<int>(0);
      auto kept = std::make_shared<std::vector<cv::Mat>>();
      devices_.camera->start(
          [this, seen, kept, skip, count, shown](drivers::Frame frame) {
            const drivers::Image& i = frame.image;
            const cv::Mat rgb(i.height, i.width, CV_8UC3, const_cast<std::uint8_t*>(i.pixels.data()));
            if (shown && *seen % 5 == 0 && static_cast<int>(kept->size()) < count) shown(rgb);
            if (++*seen <= skip || static_cast<int>(kept->size()) >= count) return;
            kept->push_back(rgb.clone());
            if (static_cast<int>(kept->size()) == count) devices_.camera->stop();
          },
          [kept, done](drivers::Problem end) {
            if (kept->empty()) return done(std::unexpected(end.message()));
            done(std::move(*kept));
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
      // Said as the technician needs it: no finger in time, or the reader's own problem.
      const bool no_finger = image.error().code == drivers::ProblemCode::kTimeout;
      tests_["fingerprint"] = {{"ok", false},
                               {"message", no_finger ? "technician.no_finger_felt" : "technician.reader_failed"},
                               {"detail", image.error().message()}};
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
                             {"feedback", "fingers.feedback." + std::string(finger::to_string(q.feedback(config_.fingerprint_rules.min_quality_for(1))))},
                             {"foreground_mm2", q.measures.foreground_mm2}};
  });
}

TechnicianReply TechnicianDesk::calibrate(const nlohmann::json& body) {
  const std::string device = body.is_object() ? body.value("device", "") : "";
  std::optional<Card> card;
  if (device == "camera") {
    card = card_from(body.value("card", "white"));
    if (!card) return {400, {{"refusal", "technician.unknown"}}};
  }
  if (auto refused = refusal_to_start(device)) return *refused;
  calibrating_[device] = {{"running", true}, {"started", utc_text(std::chrono::system_clock::now())}};
  log::get("technician")->info("calibrating the {}", device);
  if (device == "camera") start_camera_calibration(*card);
  if (device == "scanner") start_scanner_calibration();
  if (device == "fingerprint") start_platen_check();
  return {202, {{"started", device}}};
}

void TechnicianDesk::calibrated(const std::string& device, nlohmann::json outcome) {
  if (outcome.value("ok", false)) {
    log::get("technician")->info("{} calibrated", device);
  } else {
    log::get("technician")->warn("{} calibration refused: {} ({})", device, outcome.value("refusal", ""),
                                 outcome.value("detail", ""));
  }
  calibrating_[device] = std::move(outcome);
}

namespace {

// A camera frame (RGB) for technician mode's page: 480 px wide, the measured middle outlined, as
// a data: URL (the page's policy allows data: images; it asks for the status each second).
std::string camera_picture(const cv::Mat& rgb) {
  if (rgb.empty()) return {};
  cv::Mat small;
  cv::resize(rgb, small, cv::Size(480, 480 * rgb.rows / std::max(1, rgb.cols)), 0, 0, cv::INTER_AREA);
  cv::cvtColor(small, small, cv::COLOR_RGB2BGR);
  cv::rectangle(small, cv::Rect(small.cols / 4, small.rows / 4, small.cols / 2, small.rows / 2), cv::Scalar(0, 200, 255), 3);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", small, jpeg, {cv::IMWRITE_JPEG_QUALITY, 75});
  return "data:image/jpeg;base64," + sync::tus::base64(std::string_view(reinterpret_cast<const char*>(jpeg.data()), jpeg.size()));
}

nlohmann::json refused(const CalibrationRefusal& r) {
  return {{"ok", false}, {"refusal", r.message_id}, {"detail", r.detail}};
}

// Saves an accepted calibration: its figures as technician mode shows them, or why it was not saved.
template <typename Calibration>
nlohmann::json saved(CalibrationStore& store, const Calibration& c) {
  if (!store.save(c, std::chrono::system_clock::now())) {
    return {{"ok", false}, {"refusal", "calibration.not_saved"}, {"detail", ""}};
  }
  nlohmann::json figures = CalibrationStore::figures(c);
  figures["ok"] = true;
  return figures;
}

}  // namespace

// The card held up to the camera (in the simulation, the rig's card video): a second to settle,
// then ten frames averaged. The gains compose with those in use.
void TechnicianDesk::start_camera_calibration(Card card) {
  drivers::CameraSource source = drivers::camera_source_from(config_.camera);
  if (rig_ != nullptr) source.location = rig_->camera_card.string();
  const int settle = std::max(1, static_cast<int>(config_.camera.fps));
  // What the camera sees while it measures (and, after, the frame measured), with the middle that
  // is measured outlined: the technician sees where to hold the card.
  const auto show = [this](const cv::Mat& rgb) {
    if (calibrating_["camera"].value("running", false)) calibrating_["camera"]["picture"] = camera_picture(rgb);
  };
  grab_frames(source, settle, 10, [this, card](std::expected<std::vector<cv::Mat>, std::string> frames) {
    if (!frames) return calibrated("camera", refused({"calibration.no_picture", frames.error()}));
    std::string picture = camera_picture(frames->back());
    boost::asio::post(work_, [this, card, frames = std::move(*frames), in_use = calibration_.camera_gains(),
                              picture = std::move(picture)] {
      auto c = app::calibrate_camera(frames, card, in_use);
      boost::asio::post(executor_, [this, c = std::move(c), picture = std::move(picture)] {
        nlohmann::json outcome = c ? saved(calibration_, *c) : refused(c.error());
        if (c && outcome["ok"].get<bool>()) devices_.camera->correct(c->gains);
        outcome["picture"] = picture;
        calibrated("camera", std::move(outcome));
      });
    });
  }, show);
}

// The whole glass with a blank sheet on it (in the simulation, the rig's sheet), scanned in colour
// without the flat field in use; the one in use comes back if the scan or the sheet fails.
void TechnicianDesk::start_scanner_calibration() {
  std::vector<std::pair<std::string, std::string>> options;
  if (rig_ != nullptr) options.emplace_back("filename", rig_->blank_sheet.string());
  drivers::ScanSettings settings = document::scan_settings(config_.scanner, config_.scanner.source, std::move(options));
  settings.mode = "Color";
  devices_.scanner->correct({});
  devices_.scanner->scan(settings, [](drivers::ScanProgress) {}, [this](drivers::Result<std::vector<drivers::Image>> pages) {
    if (!pages || pages->empty()) {
      devices_.scanner->correct(calibration_.flat_field());
      return calibrated("scanner", refused({"calibration.no_picture", pages ? "no page" : pages.error().message()}));
    }
    boost::asio::post(work_, [this, page = std::move(pages->front())] {
      auto c = app::calibrate_scanner(page, 0.0);
      boost::asio::post(executor_, [this, c = std::move(c)] {
        nlohmann::json outcome = c ? saved(calibration_, *c) : refused(c.error());
        devices_.scanner->correct(outcome["ok"].get<bool>() ? c->field : calibration_.flat_field());
        calibrated("scanner", std::move(outcome));
      });
    });
  });
}

// A capture with nothing on the reader: no finger within the watch is a clean platen; an image is
// looked at for ridges and minutiae. The simulated applicant keeps their hands off meanwhile.
void TechnicianDesk::start_platen_check() {
  constexpr std::chrono::milliseconds kWatch{5000};
  if (fingers_ != nullptr) fingers_->hands_off(true);
  devices_.fingerprint->capture(kWatch, [this](drivers::Result<drivers::Image> image) {
    if (fingers_ != nullptr) fingers_->hands_off(false);
    if (!image && image.error().code != drivers::ProblemCode::kTimeout) {
      return calibrated("fingerprint", refused({"calibration.no_picture", image.error().message()}));
    }
    std::optional<drivers::Image> seen;
    if (image) seen = std::move(*image);
    boost::asio::post(work_, [this, seen = std::move(seen)] {
      int minutiae = 0;
      if (seen) {
        if (auto found = drivers::detect_minutiae(*seen)) minutiae = static_cast<int>(found->size());
      }
      const double ppi = seen && seen->pixels_per_inch > 0 ? seen->pixels_per_inch : config_.fingerprint.resolution_ppi;
      const PlatenCheck c = app::check_platen(seen ? &*seen : nullptr, ppi, minutiae);
      boost::asio::post(executor_, [this, c] {
        nlohmann::json outcome = saved(calibration_, c);
        if (outcome["ok"].get<bool>() && !c.clean) {  // saved, and reported until a check passes
          outcome["ok"] = false;
          outcome["refusal"] = "calibration.platen_dirty";
        }
        calibrated("fingerprint", std::move(outcome));
      });
    });
  });
}

}  // namespace kiosk::app
