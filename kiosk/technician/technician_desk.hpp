// Technician mode behind the PIN (technician_gate.hpp), as the screen server's /api/technician/
// routes:
//   POST /api/technician/open      {"pin": "..."}: 200 {"token"}; 401 {"refusal", "attempts_left"};
//                                  423 {"refusal", "locked_until"}; 503 when no PIN is configured
//   GET  /api/technician/status    the devices as the start-up check found them, the outbox, the
//                                  link to the central office, the last delivery and failure
//                                  (health_report)
//   GET  /api/technician/diagnostics  the same with the kiosk's settings, for a support ticket:
//                                  never applicant data, never a key
//   POST /api/technician/test      {"device": "camera"|"scanner"|"fingerprint"}: 202, a test
//                                  capture; its figures appear in status's "tests" (camera: frame,
//                                  light and colour balance, the photo rules' verdict; scanner: the
//                                  MRZ read, its corrections and skew, or why not; fingerprint: the
//                                  quality score and what an applicant would be told). 409 while
//                                  an applicant is at the kiosk.
//   POST /api/technician/calibrate {"device": "camera", "card": "white"|"grey"} | {"device":
//                                  "scanner"} (a blank sheet on the glass) | {"device":
//                                  "fingerprint"} (nothing on the reader): 202, and the outcome in
//                                  status's "calibration.last" (the figures, or the refusal and
//                                  why); an accepted one is saved, used at once and shown in
//                                  "calibration.saved". 409 while an applicant is at the kiosk.
//   POST /api/technician/close
// Every route but open needs the session's token in X-Technician-Token (401 without it).
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <opencv2/core.hpp>

#include "capture/document/mrz_reader.hpp"
#include "config/config.hpp"
#include "kiosk/devices.hpp"
#include "sim/rig.hpp"
#include "kiosk/sync_link.hpp"
#include "kiosk/technician/calibration.hpp"
#include "kiosk/technician/technician_gate.hpp"
#include "sim/virtual_fingers.hpp"

namespace kiosk::app {

struct TechnicianReply {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
};

class TechnicianDesk {
 public:
  // Everything given must outlive the desk. `applicant_present` says whether an applicant is using
  // the kiosk (no test capture then); `rig` and `fingers` are the simulation's, or null.
  TechnicianDesk(boost::asio::any_io_executor executor, const config::Config& config, SyncLink& link,
                 Devices& devices, CalibrationStore& calibration, const sim::Rig* rig, sim::VirtualFingers* fingers,
                 std::shared_ptr<const document::MrzReader> mrz_reader, std::function<bool()> applicant_present);

  TechnicianReply handle(std::string_view method, std::string_view path, const nlohmann::json& body,
                         std::string_view token);

 private:
  nlohmann::json status() const;
  nlohmann::json diagnostics() const;
  // Whether a test or calibration may start on `device` now; the refusal when not.
  std::optional<TechnicianReply> refusal_to_start(const std::string& device) const;
  TechnicianReply test(const std::string& device);
  void test_camera();
  void test_scanner();
  void test_fingerprint();
  TechnicianReply calibrate(const nlohmann::json& body);
  void start_camera_calibration(Card card);
  void start_scanner_calibration();
  void start_platen_check();
  void calibrated(const std::string& device, nlohmann::json outcome);
  // Opens the camera on `source` afresh and gives `count` frames (RGB) after the first `skip`,
  // while the camera's exposure settles; a file that ends sooner gives what it had. `seen`, if
  // given, has every few frames as they come (the picture technician mode shows meanwhile).
  void grab_frames(const drivers::CameraSource& source, int skip, int count,
                   std::function<void(std::expected<std::vector<cv::Mat>, std::string>)> done,
                   std::function<void(const cv::Mat& rgb)> seen = {});

  boost::asio::any_io_executor executor_;
  const config::Config& config_;
  SyncLink& link_;
  Devices& devices_;
  CalibrationStore& calibration_;
  const sim::Rig* rig_;
  sim::VirtualFingers* fingers_;
  std::shared_ptr<const document::MrzReader> mrz_reader_;
  std::function<bool()> applicant_present_;
  nlohmann::json tests_ = nlohmann::json::object();  // per device: {"running"} or its figures
  nlohmann::json calibrating_ = nlohmann::json::object();  // per device: {"running"}, figures or refusal
  TechnicianGate gate_;
  boost::asio::thread_pool work_{1};  // measuring a calibration: off the loop; joined first
};

}  // namespace kiosk::app
