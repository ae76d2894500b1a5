// The kiosk program: loads the configuration, sets up the devices (simulated ones by default in
// the simulation profile), checks each device once, starts sending the outbox to the central
// office, and runs until SIGTERM or SIGINT.
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/config.hpp"
#include "config/log.hpp"
#include "drivers/environment.hpp"
#include "kiosk/device_check.hpp"
#include "kiosk/devices.hpp"
#include "kiosk/service_manager.hpp"
#include "kiosk/session/session_runner.hpp"
#include "kiosk/sync_link.hpp"
#include "kiosk/technician/calibration.hpp"
#include "kiosk/technician/technician_desk.hpp"
#include "kiosk/ui/ui_server.hpp"
#include "sim/rig.hpp"

namespace {

constexpr const char* kUsage =
    "usage: kiosk --config FILE [--self-test]\n"
    "  --config FILE  the kiosk configuration (config/defaults/simulation.json runs on\n"
    "                 simulated devices)\n"
    "  --self-test    check every device once, then exit: 0 when all answered, 1 otherwise\n";

struct Options {
  std::string config;
  bool self_test = false;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      o.config = argv[++i];
    } else if (arg == "--self-test") {
      o.self_test = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "kiosk: unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return false;
    }
  }
  if (o.config.empty()) {
    std::fprintf(stderr, "kiosk: --config is required\n%s", kUsage);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // A child that exits early (espeak-ng) must not take the kiosk with it.
  std::signal(SIGPIPE, SIG_IGN);
  // Scanned pages and camera frames are megabytes each: give every such buffer its own mapping,
  // returned to the system when freed. Otherwise glibc raises this threshold after the first one is
  // freed and keeps the memory of every later page (measured: 243 MiB held after a session, not 131;
  // tests/bench/kiosk_start.mjs).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  Options options;
  if (!parse(argc, argv, options)) return 2;

  kiosk::config::Config config;
  std::optional<kiosk::sim::Rig> rig;
  try {
    config = kiosk::config::load(options.config);
    kiosk::log::init(config.kiosk.log_level);
    if (config.simulation.enabled) rig = kiosk::sim::prepare_rig(config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiosk: %s\n", e.what());
    return 2;
  }
  auto log = kiosk::log::get("kiosk");
  log->info("kiosk {} starting with {}{}", config.kiosk.id, config.source.string(),
            rig ? " (simulated devices)" : "");

  // Before any thread starts: the device libraries read their environment when they start.
  kiosk::drivers::export_device_environment(config);

  boost::asio::io_context io;
  kiosk::app::Devices devices = kiosk::app::make_devices(io.get_executor(), config);
  // The technician's last calibration, on every frame and page from the first.
  kiosk::app::CalibrationStore calibration(config.kiosk.state_dir / "calibration.json");
  devices.camera->correct(calibration.camera_gains());
  devices.scanner->correct(calibration.flat_field());
  kiosk::app::SyncLink sync;
  if (!options.self_test) {
    const std::int64_t config_version = kiosk::app::apply_stored_bundle(config);
    sync = kiosk::app::start_sync(io.get_executor(), config);
    sync.config_version = config_version;
    kiosk::app::start_heartbeat(io.get_executor(), config, sync);
  }
  int exit_code = 0;

  // The applicant's screen: served at once, so the browser shows "getting ready" while the
  // devices are checked.
  std::optional<kiosk::app::SessionRunner> runner;
  std::optional<kiosk::app::TechnicianDesk> technician;
  std::optional<kiosk::ui::UiServer> ui;
  if (!options.self_test && config.ui.enabled) {
    runner.emplace(io.get_executor(), config, devices, sync, rig ? &*rig : nullptr);
    *devices.usb_listener = [&](kiosk::drivers::UsbChange change, kiosk::config::DeviceClass device) {
      runner->usb_changed(change, device);
    };
    technician.emplace(io.get_executor(), config, sync, devices, calibration, rig ? &*rig : nullptr,
                       runner->virtual_fingers(), runner->mrz_reader(), [&] { return runner->applicant_present(); });
    ui.emplace(io.get_executor(),
               kiosk::ui::UiServerConfig{config.ui.port, config.ui.web_dir, config.ui.messages_dir},
               kiosk::ui::UiHandlers{
                   [&] { return runner->view(); },
                   [&](const nlohmann::json& request) { return runner->act(request); },
                   [&](std::string_view method, std::string_view name, const nlohmann::json& body,
                       std::string_view token) {
                     auto r = technician->handle(method, name, body, token);
                     return std::pair{r.status, std::move(r.body)};
                   }});
    if (auto started = ui->start(); !started) {
      log->error("the applicant's screen cannot be served: {}", started.error());
      return 1;
    }
    runner->on_change([&](const nlohmann::json& view) { ui->publish(view); },
                      [&](const cv::Mat& frame, bool mirror) { ui->publish_preview(frame, mirror); });
    log->info("applicant screen at {}", ui->address());
  }

  // Under systemd: the watchdog is fed from this loop, so a hung loop is restarted.
  kiosk::app::ServiceManager service(io.get_executor());
  service.start_watchdog();
  service.status("checking the devices");

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log->info("stopping on {}", strsignal(signal));
    service.stopping();
    if (runner) runner->stop();
    if (ui) ui->stop();
    devices.fingerprint->cancel();
    devices.scanner->cancel();
    devices.camera->stop();
    if (sync.uploader) sync.uploader->stop();
    *sync.running = false;
    io.stop();
  });

  kiosk::app::check_devices(io.get_executor(), config, rig ? &*rig : nullptr, devices,
                            [&](const kiosk::app::DeviceCheckResult& result) {
                              if (result.all_ok()) {
                                log->info("all three devices answered");
                                service.ready("serving applicants");
                              } else {
                                // Never ready: systemd's start timeout restarts the kiosk, which
                                // looks for its devices again.
                                log->error("device check failed: see the errors above");
                                service.status("not ready: a device did not answer (see the journal)");
                                exit_code = 1;
                              }
                              sync.devices = kiosk::app::device_report(result);  // technician mode's too
                              if (runner) runner->devices_checked(result);
                              if (options.self_test) {
                                signals.cancel();
                                io.stop();
                              } else {
                                log->info("ready; stop with Ctrl-C or SIGTERM");
                              }
                            });
  io.run();
  return exit_code;
}
