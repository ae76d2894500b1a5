// The simulated applicant's ten fingers on libfprint's virtual_image reader: when the ten-print
// capture asks for a finger, the print of that finger is laid on the reader. Prints are made once
// (about a second each, on a worker thread from the kiosk's start) and kept in the rig's folder.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <opencv2/core.hpp>

#include "config/config.hpp"
#include "sim/finger_feeder.hpp"

namespace kiosk::sim {

class VirtualFingers {
 public:
  VirtualFingers(boost::asio::any_io_executor executor, const config::Config& config);
  ~VirtualFingers();

  // Connects to the reader's socket (the reader must be open).
  void connect();
  // Lays finger `position` (1..10) on the reader, as soon as its print is ready.
  void place(int position);
  // The reader is unplugged, as a technician would pull its cable.
  void unplug();
  // While on, the person keeps their hands off the reader and place() lays nothing: a technician's
  // platen check.
  void hands_off(bool off) { hands_off_ = off; }

 private:
  boost::asio::any_io_executor executor_;
  config::SimulationSection sim_;
  std::filesystem::path folder_;
  FingerFeeder feeder_;
  std::mutex mutex_;
  std::array<cv::Mat, 10> prints_;  // guarded by mutex_
  std::atomic<bool> hands_off_{false};
  int placed_ = 0;  // fingers laid so far, for simulation.reader_fault_at and _unplug_at
  boost::asio::thread_pool making_{1};
};

}  // namespace kiosk::sim
