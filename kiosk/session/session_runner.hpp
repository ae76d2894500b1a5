// The applicant session wired to the devices and the central office: the screen's actions go to
// the session (session.hpp); entering a step starts what it needs (the live photo, the ten-print
// capture), a scan runs when the applicant asks for it, and the submitted session is sealed and
// queued in the outbox. What the screen shows is the view (kiosk/ui/view.hpp), pushed to it after
// every change.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "capture/document/data_page.hpp"
#include "capture/document/mrz_reader.hpp"
#include "capture/document/supporting_papers.hpp"
#include "capture/face/face_match.hpp"
#include "capture/face/photo_capture.hpp"
#include "capture/finger/ten_print_session.hpp"
#include "config/config.hpp"
#include "kiosk/device_check.hpp"
#include "kiosk/device_recovery.hpp"
#include "kiosk/devices.hpp"
#include "kiosk/session/session.hpp"
#include "kiosk/sync_link.hpp"
#include "sim/rig.hpp"
#include "sim/virtual_fingers.hpp"

namespace kiosk::app {

class SessionRunner {
 public:
  // `rig` is the simulation rig, or null on real hardware. Everything given must outlive the runner.
  SessionRunner(boost::asio::any_io_executor executor, const config::Config& config, Devices& devices,
                SyncLink& sync, const sim::Rig* rig);
  ~SessionRunner();
  SessionRunner(const SessionRunner&) = delete;
  SessionRunner& operator=(const SessionRunner&) = delete;

  // Where the view goes after each change, and the pictures (BGR) the screen shows: the photo
  // step's analysed frames (`mirror`: shown as in a mirror), the photo taken for the applicant
  // to accept, and on the review the photo that will be sent (not mirrored).
  void on_change(std::function<void(const nlohmann::json& view)> publish,
                 std::function<void(const cv::Mat& frame, bool mirror)> preview);

  // The devices answered their start-up check (or did not): takes the fingerprint reader's events
  // from here on and starts the idle timer. What each device said goes into every record.
  void devices_checked(const DeviceCheckResult& result);

  // One action from the screen, e.g. {"action": "service", "id": "visa-l"}. Returns "" when done,
  // or the message key of the refusal.
  std::string act(const nlohmann::json& request);
  nlohmann::json view() const;

  const Session& session() const { return session_; }
  // Whether an applicant is using the kiosk: any step but the welcome screen.
  bool applicant_present() const { return session_.step() != Step::kWelcome; }
  const std::shared_ptr<const document::MrzReader>& mrz_reader() const { return mrz_reader_; }
  // A device of the device table was plugged in or out (USB hot-plug): a device that failed in
  // this session is opened again when it returns, and its step's capture goes on.
  void usb_changed(drivers::UsbChange change, config::DeviceClass device);
  // The simulated applicant's fingers, or null on real hardware.
  sim::VirtualFingers* virtual_fingers() { return virtual_fingers_.get(); }
  void stop();

 private:
  using Clock = Session::Clock;
  void changed();
  void after(Step before);  // what entering or leaving a step starts or stops
  std::string scan_data_page();
  std::string scan_paper(const std::string& id);
  std::string finish_paper(const std::string& id);
  std::string print_receipt();
  // Opens the failed `device` again; once it answers, the session goes on where it stopped.
  // `probing`: a periodic look for an unplugged device, which logs nothing while it is away.
  void device_returned(config::DeviceClass device, bool probing = false);
  // The step that needs `device`, answering again, goes on: its capture starts again.
  void go_on_with(config::DeviceClass device);
  void start_photo();
  // The photo capture ended without a photo (`instruction`: the last thing the applicant was told).
  // A second time for one applicant, or for the third applicant in a row, staff are called; the
  // latter is the camera's problem, and the health report says so.
  void photo_failed(const std::string& instruction);
  void start_fingerprints();
  // The ten-print capture's result handed to the session: the fingers, or the exemption when all
  // ten are missing.
  Outcome fingers_done(finger::TenPrintResult result);
  void on_finger_event(const finger::TenPrintEvent& event);
  void seal_and_queue();
  void look_up(const std::string& code);
  // At the status lookup: the camera looks for a receipt's QR code (its picture on the screen), and
  // a tracking code read there is looked up as if typed.
  void start_qr_scan();
  void stop_captures();
  void tick();
  // live_["accepting"]: whether a new applicant can start now (sync_.ready_for_applicant()).
  void check_accepting();
  // A device that failed (`what`, for the log): one on USB has its port reset and is opened again
  // first (once a session); otherwise, or if that does not help, it is declared failed.
  void device_fault(config::DeviceClass device, std::string what);
  // A device that is gone: declared failed, and looked for until it returns.
  void device_unplugged(config::DeviceClass device, std::string what);
  // The screen says the device is unavailable and staff has been called; what was captured stays.
  void declare_failed(config::DeviceClass device, std::string what);
  // The device's line in the health report (technician mode, the heartbeat to the office).
  void report_device(config::DeviceClass device, bool ok, std::string detail);
  // The fingerprint exemptions for this applicant and service (empty: all ten are taken).
  std::vector<finger::Exemption> exemptions_that_apply() const;
  // A capture's result was handed to the session, which may have moved on from `before`: its
  // refusal (if any) is shown, the new step started, the screen told.
  void settle(Step before, const Outcome& outcome);
  // A capture ended without its result: "try again", and unless the problem is `not_a_fault` (or
  // a cancel), the device is unplugged or at fault.
  void capture_ended(const drivers::Problem& problem, std::string_view try_again, config::DeviceClass device,
                     drivers::ProblemCode not_a_fault);

  boost::asio::any_io_executor executor_;
  const config::Config& config_;
  Devices& devices_;
  SyncLink& sync_;
  const sim::Rig* rig_;
  Session session_;
  std::shared_ptr<const document::MrzReader> mrz_reader_;
  std::unique_ptr<face::FaceMatcher> matcher_;  // null only when no face detector loads
  std::unique_ptr<sim::VirtualFingers> virtual_fingers_;

  std::shared_ptr<document::DataPageCapture> data_page_;
  std::shared_ptr<face::PhotoCapture> photo_;
  // Kept for the whole session (after a failure, and after the step is left): its fingers stay,
  // and one of them can be given again.
  std::shared_ptr<finger::TenPrintSession> ten_print_;
  bool ten_print_running_ = false;
  std::uint64_t ten_print_run_ = 0;  // of the runs: the late answer of one cancelled is told apart
  // The photo taken, shown for the applicant to accept or take again.
  std::optional<face::CapturedPhoto> proposed_photo_;
  face::FaceMatch proposed_match_;
  std::shared_ptr<document::PaperCapture> paper_;
  std::uint64_t generation_ = 0;  // of the session: a capture's late answer for a wiped one is dropped
  std::chrono::system_clock::time_point started_;

  nlohmann::json live_ = nlohmann::json::object();  // what the captures say now; see view.hpp
  nlohmann::json device_identities_ = nlohmann::json::object();
  std::function<void(const nlohmann::json&)> publish_;
  std::function<void(const cv::Mat&, bool)> preview_;
  DeviceRecovery recovery_;
  std::set<config::DeviceClass> recovering_;       // having their USB port reset now
  std::optional<config::DeviceClass> unplugged_;  // gone, and looked for until it returns
  Clock::time_point last_probe_;
  Clock::time_point last_admit_check_;
  bool reopening_ = false;
  boost::asio::steady_timer timer_;
  boost::asio::thread_pool work_{1};  // sealing: off the loop
  bool stopped_ = false;
  std::int64_t last_seconds_left_ = -1;
  std::string delivering_;
  bool scanning_qr_ = false;  // the camera is looking for a receipt's QR code
  std::uint64_t qr_run_ = 0;  // of the looks: the end of one stopped is told apart
  static constexpr int kPhotoFailedSessions = 3;
  int photo_failures_ = 0;         // this applicant's photo captures that ended without a photo
  int photo_failed_sessions_ = 0;  // applicants in a row whose photo failed at least once  // the packet id of the record on the receipt, until the office has it
};

}  // namespace kiosk::app
