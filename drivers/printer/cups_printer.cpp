// The CUPS back-end of Printer: a worker thread makes every libcups call.
#include <cups/cups.h>

#include <memory>

#include "config/log.hpp"
#include "drivers/printer/printer.hpp"
#include "drivers/worker.hpp"

namespace kiosk::drivers {
namespace {

class CupsPrinter final : public Printer {
 public:
  CupsPrinter(boost::asio::any_io_executor executor, std::string destination, std::string server,
              std::chrono::milliseconds deadline)
      : executor_(std::move(executor)),
        destination_(std::move(destination)),
        deadline_(deadline),
        log_(log::get("printer")) {
    // libcups keeps its server per thread: set on the thread that makes every call.
    if (!server.empty()) worker_.post([server] { cupsSetServer(server.c_str()); });
  }

  void print(std::string pdf, std::string title, Handler<PrintJob> done) override {
    if (!one_at_a_time_.admit(executor_, done)) return;
    worker_.post(
        [this, pdf = std::move(pdf), title = std::move(title), done = std::move(done)]() mutable {
          Result<PrintJob> result = print_on_worker(pdf, title);
          one_at_a_time_.end();
          if (result) {
            log_->info("job {} sent to {}", result->id, destination_);
          } else {
            log_->error("printing on {}: {}", destination_, result.error().message());
          }
          detail::deliver(executor_, std::move(done), std::move(result));
        });
  }

 private:
  Result<PrintJob> print_on_worker(const std::string& pdf, const std::string& title) {
    const bool uri = destination_.starts_with("ipp://") || destination_.starts_with("ipps://");
    std::unique_ptr<cups_dest_t, void (*)(cups_dest_t*)> dest(
        uri ? cupsGetDestWithURI(nullptr, destination_.c_str())
            : cupsGetNamedDest(CUPS_HTTP_DEFAULT, destination_.c_str(), nullptr),
        [](cups_dest_t* d) { cupsFreeDests(1, d); });
    if (!dest)
      return problem(ProblemCode::kNotFound,
                     "no printer " + destination_ + ": " + cupsLastErrorString());
    // A queue of the local scheduler is reached through the scheduler (CUPS_SERVER or the
    // system's); an IPP printer directly.
    std::unique_ptr<http_t, void (*)(http_t*)> http(
        uri ? cupsConnectDest(dest.get(), CUPS_DEST_FLAGS_NONE, static_cast<int>(deadline_.count()),
                              nullptr, nullptr, 0, nullptr, nullptr)
            : httpConnect2(cupsServer(), ippPort(), nullptr, AF_UNSPEC, cupsEncryption(), 1,
                           static_cast<int>(deadline_.count()), nullptr),
        [](http_t* h) { httpClose(h); });
    if (!http)
      return problem(ProblemCode::kNotFound,
                     "cannot reach " + destination_ + ": " + cupsLastErrorString());
    // With no callback, a request that waits longer than this fails instead of waiting on.
    httpSetTimeout(http.get(), std::chrono::duration<double>(deadline_).count(), nullptr, nullptr);
    std::unique_ptr<cups_dinfo_t, void (*)(cups_dinfo_t*)> info(
        cupsCopyDestInfo(http.get(), dest.get()), [](cups_dinfo_t* i) { cupsFreeDestInfo(i); });
    if (!info)
      return problem(ProblemCode::kIo, destination_ + " does not answer: " + cupsLastErrorString());
    int job = 0;
    if (cupsCreateDestJob(http.get(), dest.get(), info.get(), &job, title.c_str(), 0, nullptr) >
        IPP_STATUS_OK_CONFLICTING) {
      return problem(ProblemCode::kIo, destination_ + " refused the job: " + cupsLastErrorString());
    }
    if (cupsStartDestDocument(http.get(), dest.get(), info.get(), job, "receipt.pdf",
                              CUPS_FORMAT_PDF, 0, nullptr, 1) != HTTP_STATUS_CONTINUE ||
        cupsWriteRequestData(http.get(), pdf.data(), pdf.size()) != HTTP_STATUS_CONTINUE ||
        cupsFinishDestDocument(http.get(), dest.get(), info.get()) > IPP_STATUS_OK_CONFLICTING) {
      cupsCancelDestJob(http.get(), dest.get(), job);
      return problem(ProblemCode::kIo,
                     destination_ + " did not take the document: " + cupsLastErrorString());
    }
    return PrintJob{job, destination_};
  }

  boost::asio::any_io_executor executor_;
  std::string destination_;
  std::chrono::milliseconds deadline_;
  std::shared_ptr<spdlog::logger> log_;
  detail::OneAtATime one_at_a_time_;
  detail::WorkerThread worker_;  // last: joined before the members above go
};

}  // namespace

std::unique_ptr<Printer> make_cups_printer(boost::asio::any_io_executor executor,
                                           std::string destination, std::string server,
                                           std::chrono::milliseconds deadline) {
  return std::make_unique<CupsPrinter>(std::move(executor), std::move(destination),
                                       std::move(server), deadline);
}

}  // namespace kiosk::drivers
