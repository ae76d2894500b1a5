// The simulated applicant's fingers; see virtual_fingers.hpp.
#include "sim/virtual_fingers.hpp"

#include <boost/asio/post.hpp>
#include <opencv2/imgcodecs.hpp>

#include "config/log.hpp"
#include "sim/rig.hpp"

namespace kiosk::sim {

VirtualFingers::VirtualFingers(boost::asio::any_io_executor executor, const config::Config& config)
    : executor_(executor),
      sim_(config.simulation),
      folder_(config.simulation.dir / "fingers"),
      feeder_(executor, config.fingerprint.virtual_image_socket) {
  for (int position = 1; position <= 10; ++position) {
    boost::asio::post(making_, [this, position] {
      const auto file = folder_ / ("finger-" + std::to_string(sim_.seed) + "-" + std::to_string(position) + ".png");
      cv::Mat print = cv::imread(file.string(), cv::IMREAD_GRAYSCALE);
      if (print.empty()) {
        print = simulated_finger(sim_, position);
        std::error_code ec;
        std::filesystem::create_directories(folder_, ec);
        cv::imwrite(file.string(), print);
      }
      std::lock_guard lock(mutex_);
      prints_[static_cast<std::size_t>(position - 1)] = print;
    });
  }
}

VirtualFingers::~VirtualFingers() { making_.join(); }

void VirtualFingers::connect() {
  feeder_.connect(std::chrono::seconds(5), [](boost::system::error_code ec) {
    if (ec) log::get("sim")->error("the virtual finger cannot reach the reader: {}", ec.message());
  });
}

void VirtualFingers::place(int position) {
  if (position < 1 || position > 10 || hands_off_) return;
  ++placed_;
  if (placed_ == sim_.reader_unplug_at) {
    log::get("sim")->info("the virtual reader is unplugged, as configured (simulation.reader_unplug_at)");
    boost::asio::post(executor_, [this] { unplug(); });
    return;
  }
  if (placed_ == sim_.reader_fault_at) {
    // The reader fails instead (libfprint's FP_DEVICE_ERROR_PROTO).
    log::get("sim")->info("the virtual reader fails, as configured (simulation.reader_fault_at)");
    boost::asio::post(executor_, [this] {
      if (feeder_.connected()) feeder_.send_error(5, [](boost::system::error_code) {});
    });
    return;
  }
  // Queued behind the prints still being made: by then this one is ready.
  boost::asio::post(making_, [this, position] {
    cv::Mat print;
    {
      std::lock_guard lock(mutex_);
      print = prints_[static_cast<std::size_t>(position - 1)];
    }
    boost::asio::post(executor_, [this, print] {
      if (!feeder_.connected() || print.empty()) return;
      feeder_.send_image(print.cols, print.rows, std::vector<std::uint8_t>(print.datastart, print.dataend),
                         [](boost::system::error_code) {});
    });
  });
}

void VirtualFingers::unplug() {
  if (feeder_.connected()) feeder_.send_removed([](boost::system::error_code) {});
}

}  // namespace kiosk::sim
