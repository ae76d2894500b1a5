// The document scanner as the application sees it: list, open, set options, scan pages, cancel.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "drivers/correction.hpp"
#include "drivers/image.hpp"
#include "drivers/problem.hpp"

namespace kiosk::drivers {

struct ScannerInfo {
  std::string name;  // the library's device name, e.g. "pnm:0", "epson2:libusb:001:004"
  std::string vendor;
  std::string model;
  std::string type;  // "flatbed scanner", "sheetfed scanner", ...
};

struct ScanArea {  // millimetres from the top-left corner of the glass
  double left_mm = 0;
  double top_mm = 0;
  double width_mm = 0;
  double height_mm = 0;
};

struct ScanSettings {
  int resolution_dpi = 300;
  std::string mode = "Color";  // the SANE mode option's value: "Color", "Gray", "Lineart"
  std::string source;          // e.g. "Automatic Document Feeder"; empty: the device's default
  std::optional<ScanArea> area;
  // Any further option, by its SANE name, with its value as text ("yes", "12", "2.5", "Grid").
  std::vector<std::pair<std::string, std::string>> options;
  bool all_pages = false;  // keep scanning until the feeder is empty (ADF)
  std::chrono::milliseconds deadline{std::chrono::minutes(2)};
};

struct ScanProgress {
  int page = 0;           // 0-based page being scanned
  double fraction = 0.0;  // of that page, 0..1; 0 when the device does not know the length
};

// One operation at a time; a second request completes with ProblemCode::kBusy. Handlers run on
// the executor given at construction, never inside the call.
class Scanner {
 public:
  template <typename T>
  using Handler = std::function<void(Result<T>)>;

  virtual ~Scanner() = default;

  virtual void list_devices(Handler<std::vector<ScannerInfo>> done) = 0;
  // Opens the named device, or the first one found when `name` is empty.
  virtual void open(const std::string& name, Handler<ScannerInfo> done) = 0;
  // Scans one page, or every page in the feeder with `all_pages`. An empty feeder at the first
  // page is ProblemCode::kNoDocuments; after at least one page it ends the run normally.
  virtual void scan(const ScanSettings& settings, std::function<void(ScanProgress)> progress,
                    Handler<std::vector<Image>> done) = 0;
  virtual void cancel() = 0;
  virtual void close(Handler<void> done) = 0;
  // The calibration's flat field, applied to every page from the next scan on (never to 1-bit
  // line art, which has no levels to correct).
  virtual void correct(const FlatField& field) = 0;
};

// The SANE back-end. Every SANE call runs on one worker thread.
std::unique_ptr<Scanner> make_sane_scanner(boost::asio::any_io_executor executor);

}  // namespace kiosk::drivers
