// The receipt printer as the application sees it: hand over a PDF, learn whether the printer took
// it. Absent (no Printer at all) where the configuration names no printer.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "drivers/problem.hpp"

namespace kiosk::drivers {

struct PrintJob {
  int id = 0;               // the print system's job id
  std::string destination;  // as configured
};

// One job at a time; a second while one is being handed over completes with kBusy. The handler
// runs on the executor given at construction.
class Printer {
 public:
  template <typename T>
  using Handler = std::function<void(Result<T>)>;

  virtual ~Printer() = default;
  virtual void print(std::string pdf, std::string title, Handler<PrintJob> done) = 0;
};

// CUPS: `destination` is a queue of a CUPS scheduler (its name; `server` names the scheduler, empty
// for the system's) or an IPP printer's URI ("ipp://host:631/ipp/print"); every call runs on a
// worker thread, within `deadline`.
std::unique_ptr<Printer> make_cups_printer(boost::asio::any_io_executor executor,
                                           std::string destination, std::string server,
                                           std::chrono::milliseconds deadline);

}  // namespace kiosk::drivers
