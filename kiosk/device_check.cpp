// Start-up device check: three independent asynchronous chains that meet in one result.
#include "kiosk/device_check.hpp"

#include <fmt/format.h>

#include "config/log.hpp"
#include "sim/finger_feeder.hpp"

namespace kiosk::app {
namespace {

using drivers::Problem;

std::string describe(const drivers::Image& image, const std::string& reader) {
  const std::string resolution = image.pixels_per_inch > 0
                                     ? fmt::format("{:.0f} ppi", image.pixels_per_inch)
                                     : std::string("a resolution the reader does not report");
  return fmt::format("captured a {}x{} image at {} from {}", image.width, image.height, resolution,
                     reader);
}

struct Check : std::enable_shared_from_this<Check> {
  boost::asio::any_io_executor executor;
  const config::Config& config;
  const sim::Rig* rig;
  Devices& devices;
  std::function<void(DeviceCheckResult)> done;
  DeviceCheckResult result;
  int outstanding = 3;
  std::shared_ptr<spdlog::logger> log = log::get("kiosk");
  std::unique_ptr<sim::FingerFeeder> finger;  // the simulated applicant's finger

  Check(boost::asio::any_io_executor e, const config::Config& c, const sim::Rig* r, Devices& d,
        std::function<void(DeviceCheckResult)> f)
      : executor(std::move(e)), config(c), rig(r), devices(d), done(std::move(f)) {}

  void finished(std::optional<std::string>& slot, const std::string& device,
                std::optional<std::string> what, const std::string& failure = {}) {
    if (what) {
      log->info("{} OK: {}", device, *what);
    } else {
      log->error("{} FAILED: {}", device, failure);
    }
    slot = std::move(what);
    if (--outstanding == 0) done(result);
  }

  void fingerprint() {
    auto self = shared_from_this();
    auto fail = [self](const Problem& p) {
      self->finished(self->result.fingerprint, "fingerprint reader", std::nullopt, p.message());
    };
    devices.fingerprint->open("", [self, fail](drivers::Result<drivers::FingerprintDeviceInfo> info) {
      if (!info) return fail(info.error());
      self->log->info("fingerprint reader found: {} (driver {})", info->name, info->driver);
      if (self->rig != nullptr) self->attach_virtual_finger();
      self->devices.fingerprint->capture(
          self->config.fingerprint.capture_timeout,
          [self, fail, name = info->name](drivers::Result<drivers::Image> image) {
            if (!image) return fail(image.error());
            self->finished(self->result.fingerprint, "fingerprint reader", describe(*image, name));
          });
    });
  }

  // In the simulation, a finger touches the virtual reader whenever it asks for one.
  void attach_virtual_finger() {
    finger = std::make_unique<sim::FingerFeeder>(executor, config.fingerprint.virtual_image_socket);
    auto self = shared_from_this();
    finger->connect(std::chrono::seconds(5), [self](boost::system::error_code ec) {
      if (ec) self->log->error("simulation: virtual finger cannot reach the reader: {}", ec.message());
    });
    // Made once here, not at each prompt: synthesis takes most of a second of the loop's time.
    const cv::Mat print = sim::simulated_finger(config.simulation, /*right thumb*/ 1);
    devices.fingerprint->on_event(
        [self, width = print.cols, height = print.rows,
         pixels = std::vector<std::uint8_t>(print.datastart, print.dataend)](drivers::FingerEvent e) {
          if (e != drivers::FingerEvent::kPlaceFinger || !self->finger->connected()) return;
          self->finger->send_image(width, height, pixels, [](boost::system::error_code) {});
        });
  }

  void scanner() {
    auto self = shared_from_this();
    auto fail = [self](const Problem& p) {
      self->finished(self->result.scanner, "document scanner", std::nullopt, p.message());
    };
    devices.scanner->open(config.scanner.device, [self, fail](drivers::Result<drivers::ScannerInfo> info) {
      if (!info) return fail(info.error());
      self->log->info("document scanner found: {} ({} {})", info->name, info->vendor, info->model);
      drivers::ScanSettings settings;
      settings.resolution_dpi = self->config.scanner.resolution_dpi;
      settings.mode = self->config.scanner.mode;
      settings.source = self->config.scanner.source;
      settings.deadline = self->config.scanner.scan_timeout;
      settings.options = sim::scanner_options_of(self->rig);
      self->devices.scanner->scan(
          settings, nullptr, [self, fail, name = info->name](drivers::Result<std::vector<drivers::Image>> pages) {
            if (!pages) return fail(pages.error());
            const auto& page = pages->front();
            self->finished(self->result.scanner, "document scanner",
                           fmt::format("scanned a {}x{} page ({} channel(s)) from {}", page.width,
                                       page.height, page.channels, name));
          });
    });
  }

  void camera() {
    auto self = shared_from_this();
    auto fail = [self](const Problem& p) {
      self->finished(self->result.camera, "camera", std::nullopt, p.message());
    };
    devices.camera->open(drivers::camera_source_from(config.camera),
                         [self, fail](drivers::Result<drivers::CameraInfo> info) {
      if (!info) return fail(info.error());
      auto got = std::make_shared<std::optional<std::string>>();
      self->devices.camera->start(
          [self, got, backend = info->backend](drivers::Frame frame) {
            if (*got) return;
            *got = fmt::format("grabbed a {}x{} frame via {}", frame.image.width,
                               frame.image.height, backend);
            self->devices.camera->stop();
          },
          [self, got, fail](Problem end) {
            if (*got) {
              self->finished(self->result.camera, "camera", *got);
            } else {
              fail(end);
            }
          });
    });
  }
};

}  // namespace

void check_devices(const boost::asio::any_io_executor& executor, const config::Config& config,
                   const sim::Rig* rig, Devices& devices,
                   std::function<void(DeviceCheckResult)> done) {
  auto check = std::make_shared<Check>(executor, config, rig, devices, std::move(done));
  check->fingerprint();
  check->scanner();
  check->camera();
}

nlohmann::json device_report(const DeviceCheckResult& result) {
  const auto device = [](const std::optional<std::string>& found) {
    return found ? nlohmann::json{{"ok", true}, {"detail", *found}} : nlohmann::json{{"ok", false}};
  };
  return {{"fingerprint", device(result.fingerprint)}, {"scanner", device(result.scanner)}, {"camera", device(result.camera)}};
}

}  // namespace kiosk::app
