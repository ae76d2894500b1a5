// The SANE back-end of Scanner: a worker thread owns every SANE call; results are posted back.
#include <sane/sane.h>
#include <sane/saneopts.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/log.hpp"
#include "drivers/scanner/scanner.hpp"
#include "drivers/worker.hpp"

namespace kiosk::drivers {
namespace {

using namespace std::chrono_literals;

constexpr auto kHungGrace = 10s;         // after a cancelled deadline, before "hung"
constexpr auto kShutdownPatience = 5s;  // for the worker to finish at destruction

Problem problem_from(SANE_Status status, const std::string& context) {
  const std::string detail = context + " (" + sane_strstatus(status) + ")";
  switch (status) {
    case SANE_STATUS_CANCELLED: return {ProblemCode::kCancelled, detail};
    case SANE_STATUS_DEVICE_BUSY: return {ProblemCode::kBusy, detail};
    case SANE_STATUS_INVAL: return {ProblemCode::kInvalid, detail};
    case SANE_STATUS_UNSUPPORTED: return {ProblemCode::kUnsupported, detail};
    case SANE_STATUS_EOF: return {ProblemCode::kEndOfStream, detail};
    case SANE_STATUS_JAMMED: return {ProblemCode::kJammed, detail};
    case SANE_STATUS_NO_DOCS: return {ProblemCode::kNoDocuments, detail};
    case SANE_STATUS_COVER_OPEN: return {ProblemCode::kCoverOpen, detail};
    case SANE_STATUS_IO_ERROR: return {ProblemCode::kIo, detail};
    case SANE_STATUS_NO_MEM: return {ProblemCode::kNoMemory, detail};
    case SANE_STATUS_ACCESS_DENIED: return {ProblemCode::kAccessDenied, detail};
    default: return {ProblemCode::kDeviceFailure, detail};
  }
}

std::string text_or_empty(SANE_String_Const s) { return s != nullptr ? s : ""; }

// Appends one line of SANE frame data as 8-bit samples.
void append_line(const SANE_Parameters& p, const std::uint8_t* line, std::vector<std::uint8_t>& out) {
  const int channels = p.format == SANE_FRAME_RGB ? 3 : 1;
  const int samples = p.pixels_per_line * channels;
  if (p.depth == 8) {
    out.insert(out.end(), line, line + samples);
  } else if (p.depth == 16) {  // host byte order; keep the high byte
    for (int i = 0; i < samples; ++i) {
      std::uint16_t v;
      std::memcpy(&v, line + 2 * i, 2);
      out.push_back(static_cast<std::uint8_t>(v >> 8));
    }
  } else {  // depth 1: a set bit is black
    for (int i = 0; i < samples; ++i) {
      const bool black = (line[i / 8] >> (7 - i % 8)) & 1;
      out.push_back(black ? 0 : 255);
    }
  }
}

class SaneScanner final : public Scanner {
 public:
  explicit SaneScanner(boost::asio::any_io_executor executor)
      : executor_(std::move(executor)), log_(log::get("scanner")) {
    on_worker([this] {
      SANE_Int version = 0;
      init_status_ = sane_init(&version, nullptr);
      if (init_status_ != SANE_STATUS_GOOD) {
        log_->error("SANE did not initialise: {}", sane_strstatus(init_status_));
      }
    });
  }

  ~SaneScanner() override {
    *alive_ = false;
    cancel();
    on_worker([this] {
      if (handle_ != nullptr) sane_close(handle_);
      handle_ = nullptr;
      if (init_status_ == SANE_STATUS_GOOD) sane_exit();
    });
    // A back-end that deadlocked (see kHungGrace) must not hang the kiosk's shutdown as well.
    if (!worker_.join(kShutdownPatience) || !canceller_.join(kShutdownPatience)) {
      log_->error("the scanner back-end did not stop; leaving its thread behind");
    }
  }

  void list_devices(Handler<std::vector<ScannerInfo>> done) override {
    on_worker([this, done = std::move(done)]() mutable {
      const SANE_Device** list = nullptr;
      const SANE_Status status = sane_get_devices(&list, SANE_TRUE);
      if (status != SANE_STATUS_GOOD) {
        post(std::move(done), Result<std::vector<ScannerInfo>>(std::unexpected(
                                  problem_from(status, "listing scanners"))));
        return;
      }
      std::vector<ScannerInfo> out;
      for (auto** d = list; *d != nullptr; ++d) out.push_back(info_of(**d));
      post(std::move(done), Result<std::vector<ScannerInfo>>(std::move(out)));
    });
  }

  void open(const std::string& name, Handler<ScannerInfo> done) override {
    if (!begin(done)) return;
    on_worker([this, name, done = std::move(done)]() mutable {
      Result<ScannerInfo> result = open_on_worker(name);
      end(std::move(done), std::move(result));
    });
  }

  void scan(const ScanSettings& settings, std::function<void(ScanProgress)> progress,
            Handler<std::vector<Image>> done) override {
    if (!begin(done)) return;
    cancelled_ = false;
    timed_out_ = false;
    // The result reaches the application once: from the worker, or from the watchdog below when
    // the back-end never returns. Both run on the application's executor.
    auto once = std::make_shared<Handler<std::vector<Image>>>(std::move(done));
    auto timer = std::make_shared<boost::asio::steady_timer>(executor_, settings.deadline);
    watch_deadline(timer, once);
    on_worker([this, settings, progress = std::move(progress), once, timer]() mutable {
      Result<std::vector<Image>> result = scan_on_worker(settings, progress);
      one_at_a_time_.end();
      boost::asio::post(executor_, [once, timer, result = std::move(result)]() mutable {
        timer->cancel();
        if (*once) std::exchange(*once, nullptr)(std::move(result));
      });
      // Only now end the scan at the back-end: some hang in sane_cancel (below).
      end_scan();
    });
  }

  void cancel() override {
    cancelled_ = true;
    if (active_handle_.load() == nullptr) return;
    // SANE allows sane_cancel from any thread while sane_read blocks, but some back-ends join
    // their reader thread in it and can hang there: never on the caller's thread.
    canceller_.post([this] {
      std::lock_guard lock(active_mutex_);
      if (SANE_Handle h = active_handle_.load()) sane_cancel(h);
    });
  }

  void correct(const FlatField& field) override {
    std::lock_guard lock(field_mutex_);
    field_ = field;
  }

  FlatField flat_field() {
    std::lock_guard lock(field_mutex_);
    return field_;
  }

  void close(Handler<void> done) override {
    if (!begin(done)) return;
    on_worker([this, done = std::move(done)]() mutable {
      if (handle_ != nullptr) {
        sane_close(handle_);
        handle_ = nullptr;
        log_->info("closed");
      }
      end(std::move(done), Result<void>());
    });
  }

 private:
  template <typename F>
  void on_worker(F&& f) {
    worker_.post(std::forward<F>(f));
  }

  template <typename T>
  void post(Handler<T> done, Result<T> result) {
    detail::deliver(executor_, std::move(done), std::move(result));
  }

  // Operations are admitted on the caller's side so that "busy" answers at once.
  template <typename T>
  bool begin(Handler<T>& done) {
    if (hung_) {
      post(std::move(done), Result<T>(problem(ProblemCode::kDeviceFailure,
                                              "the scanner stopped answering; restart the kiosk "
                                              "service or the scanner")));
      return false;
    }
    return one_at_a_time_.admit(executor_, done);
  }

  // At the deadline the scan is cancelled; a back-end that has still not returned kHungGrace
  // later is declared hung: the application hears so, and the scanner takes no more work.
  void watch_deadline(const std::shared_ptr<boost::asio::steady_timer>& timer,
                      const std::shared_ptr<Handler<std::vector<Image>>>& once) {
    timer->async_wait([this, alive = alive_, timer, once](const boost::system::error_code& ec) {
      if (ec || !*alive || !*once) return;
      timed_out_ = true;
      cancel();
      timer->expires_after(kHungGrace);
      timer->async_wait([this, alive, once](const boost::system::error_code& again) {
        if (again || !*alive || !*once) return;
        hung_ = true;
        log_->error("the scanner back-end did not return {} s after cancelling; declared hung",
                    std::chrono::duration_cast<std::chrono::seconds>(kHungGrace).count());
        std::exchange(*once, nullptr)(
            problem(ProblemCode::kTimeout, "the scanner stopped answering"));
      });
    });
  }

  void end_scan() {
    {
      std::lock_guard lock(active_mutex_);
      active_handle_ = nullptr;
    }
    if (handle_ != nullptr) sane_cancel(handle_);  // required after the last page
  }

  template <typename T>
  void end(Handler<T> done, Result<T> result) {
    one_at_a_time_.end();
    post(std::move(done), std::move(result));
  }

  static ScannerInfo info_of(const SANE_Device& d) {
    return {text_or_empty(d.name), text_or_empty(d.vendor), text_or_empty(d.model),
            text_or_empty(d.type)};
  }

  Result<ScannerInfo> open_on_worker(const std::string& wanted) {
    if (init_status_ != SANE_STATUS_GOOD) return std::unexpected(problem_from(init_status_, "SANE"));
    const SANE_Device** list = nullptr;
    SANE_Status status = sane_get_devices(&list, SANE_TRUE);
    if (status != SANE_STATUS_GOOD) return std::unexpected(problem_from(status, "listing scanners"));
    const SANE_Device* found = nullptr;
    for (auto** d = list; *d != nullptr && found == nullptr; ++d) {
      if (wanted.empty() || wanted == (*d)->name) found = *d;
    }
    if (found == nullptr) {
      return problem(ProblemCode::kNotFound,
                     wanted.empty() ? "no scanner found" : "no scanner named " + wanted);
    }
    if (handle_ != nullptr) {
      sane_close(handle_);
      handle_ = nullptr;
    }
    status = sane_open(found->name, &handle_);
    if (status != SANE_STATUS_GOOD) {
      handle_ = nullptr;
      return std::unexpected(problem_from(status, std::string("opening ") + found->name));
    }
    log_->info("opened {} ({} {})", found->name, text_or_empty(found->vendor),
               text_or_empty(found->model));
    return info_of(*found);
  }

  // Finds an option by name; -1 when the device has none.
  SANE_Int find_option(const std::string& name, const SANE_Option_Descriptor** out) {
    for (SANE_Int i = 1;; ++i) {
      const SANE_Option_Descriptor* d = sane_get_option_descriptor(handle_, i);
      if (d == nullptr) return -1;
      if (d->name != nullptr && name == d->name) {
        *out = d;
        return i;
      }
    }
  }

  Result<void> set_option(const std::string& name, const std::string& value) {
    const SANE_Option_Descriptor* d = nullptr;
    const SANE_Int index = find_option(name, &d);
    const std::string what = "option " + name + "=" + value;
    if (index < 0) return problem(ProblemCode::kUnsupported, "the scanner has no " + name + " option");
    if (!SANE_OPTION_IS_ACTIVE(d->cap)) return problem(ProblemCode::kInvalid, what + ": inactive");
    if (!SANE_OPTION_IS_SETTABLE(d->cap)) return problem(ProblemCode::kInvalid, what + ": read-only");
    SANE_Int info = 0;
    SANE_Status status = SANE_STATUS_GOOD;
    try {
      switch (d->type) {
        case SANE_TYPE_BOOL: {
          SANE_Word v = (value == "yes" || value == "true" || value == "1") ? SANE_TRUE : SANE_FALSE;
          status = sane_control_option(handle_, index, SANE_ACTION_SET_VALUE, &v, &info);
          break;
        }
        case SANE_TYPE_INT: {
          SANE_Word v = static_cast<SANE_Word>(std::lround(std::stod(value)));
          status = sane_control_option(handle_, index, SANE_ACTION_SET_VALUE, &v, &info);
          break;
        }
        case SANE_TYPE_FIXED: {
          SANE_Word v = SANE_FIX(std::stod(value));
          status = sane_control_option(handle_, index, SANE_ACTION_SET_VALUE, &v, &info);
          break;
        }
        case SANE_TYPE_STRING: {
          std::vector<char> buffer(std::max<std::size_t>(d->size, value.size() + 1), '\0');
          std::memcpy(buffer.data(), value.data(), value.size());
          status = sane_control_option(handle_, index, SANE_ACTION_SET_VALUE, buffer.data(), &info);
          break;
        }
        default: return problem(ProblemCode::kUnsupported, what + ": option type not settable");
      }
    } catch (const std::exception&) {  // std::stod on text that is no number
      return problem(ProblemCode::kInvalid, what + ": not a number");
    }
    if (status != SANE_STATUS_GOOD) return std::unexpected(problem_from(status, what));
    if (info & SANE_INFO_INEXACT) log_->debug("{} was rounded by the scanner", what);
    return {};
  }

  // Reads a numeric option back (after the device rounded it), or 0.
  double numeric_option(const std::string& name) {
    const SANE_Option_Descriptor* d = nullptr;
    const SANE_Int index = find_option(name, &d);
    if (index < 0 || !SANE_OPTION_IS_ACTIVE(d->cap) || d->size < static_cast<SANE_Int>(sizeof(SANE_Word))) {
      return 0;
    }
    SANE_Word v = 0;
    if (sane_control_option(handle_, index, SANE_ACTION_GET_VALUE, &v, nullptr) != SANE_STATUS_GOOD) {
      return 0;
    }
    return d->type == SANE_TYPE_FIXED ? SANE_UNFIX(v) : static_cast<double>(v);
  }

  Result<void> apply(const ScanSettings& s) {
    std::vector<std::pair<std::string, std::string>> wanted;
    if (!s.mode.empty()) wanted.emplace_back(SANE_NAME_SCAN_MODE, s.mode);
    if (!s.source.empty()) wanted.emplace_back(SANE_NAME_SCAN_SOURCE, s.source);
    wanted.emplace_back(SANE_NAME_SCAN_RESOLUTION, std::to_string(s.resolution_dpi));
    if (s.area) {
      wanted.emplace_back(SANE_NAME_SCAN_TL_X, std::to_string(s.area->left_mm));
      wanted.emplace_back(SANE_NAME_SCAN_TL_Y, std::to_string(s.area->top_mm));
      wanted.emplace_back(SANE_NAME_SCAN_BR_X, std::to_string(s.area->left_mm + s.area->width_mm));
      wanted.emplace_back(SANE_NAME_SCAN_BR_Y, std::to_string(s.area->top_mm + s.area->height_mm));
    }
    const std::size_t standard = wanted.size();
    wanted.insert(wanted.end(), s.options.begin(), s.options.end());
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      const auto& [name, value] = wanted[i];
      auto r = set_option(name, value);
      // A device without a standard option (pnm has no mode) has that setting fixed: scan as it
      // is; the page says what it got. An option asked for by name must exist.
      if (!r && i < standard && r.error().code == ProblemCode::kUnsupported) {
        log_->debug("{}: {}", name, r.error().detail);
        continue;
      }
      if (!r) return r;
    }
    return {};
  }

  Result<std::vector<Image>> scan_on_worker(const ScanSettings& settings,
                                            const std::function<void(ScanProgress)>& progress) {
    if (handle_ == nullptr) return problem(ProblemCode::kNotOpen, "open a scanner first");
    if (auto r = apply(settings); !r) return std::unexpected(r.error());
    const double dpi = numeric_option(SANE_NAME_SCAN_RESOLUTION);
    {
      std::lock_guard lock(active_mutex_);
      active_handle_ = handle_;
    }
    std::vector<Image> pages;
    Result<std::vector<Image>> result = [&]() -> Result<std::vector<Image>> {
      for (int page = 0;; ++page) {
        if (cancelled_) return cancelled_problem();
        const SANE_Status status = sane_start(handle_);
        if (status == SANE_STATUS_NO_DOCS && page > 0) return std::move(pages);
        if (status != SANE_STATUS_GOOD) {
          if (status == SANE_STATUS_CANCELLED) return cancelled_problem();
          return std::unexpected(problem_from(status, "starting page " + std::to_string(page + 1)));
        }
        Result<Image> image = read_page(page, progress);
        if (!image) return std::unexpected(image.error());
        image->pixels_per_inch = dpi;
        if (settings.mode != "Lineart") drivers::apply(flat_field(), settings.area ? settings.area->left_mm : 0.0, *image);
        pages.push_back(std::move(*image));
        if (!settings.all_pages) return std::move(pages);
      }
    }();
    if (result) log_->info("scanned {} page(s)", result->size());
    return result;
  }

  std::unexpected<Problem> cancelled_problem() const {
    return timed_out_ ? problem(ProblemCode::kTimeout, "the scan took longer than its deadline")
                      : problem(ProblemCode::kCancelled);
  }

  Result<Image> read_page(int page, const std::function<void(ScanProgress)>& progress) {
    SANE_Parameters p{};
    SANE_Status status = sane_get_parameters(handle_, &p);
    if (status != SANE_STATUS_GOOD) return std::unexpected(problem_from(status, "page parameters"));
    if (p.format != SANE_FRAME_GRAY && p.format != SANE_FRAME_RGB) {
      return problem(ProblemCode::kUnsupported, "three-pass colour scanners are not supported");
    }
    if (p.depth != 1 && p.depth != 8 && p.depth != 16) {
      return problem(ProblemCode::kUnsupported, "bit depth " + std::to_string(p.depth));
    }
    Image image;
    image.width = p.pixels_per_line;
    image.channels = p.format == SANE_FRAME_RGB ? 3 : 1;
    const std::size_t line_bytes = static_cast<std::size_t>(p.bytes_per_line);
    const double expected = p.lines > 0 ? static_cast<double>(line_bytes) * p.lines : 0;
    if (p.lines > 0) image.pixels.reserve(image.row_bytes() * p.lines);

    std::vector<std::uint8_t> line;
    line.reserve(line_bytes);
    std::vector<SANE_Byte> buffer(64 * 1024);
    double received = 0;
    double reported = -1;
    for (;;) {
      SANE_Int length = 0;
      status = sane_read(handle_, buffer.data(), static_cast<SANE_Int>(buffer.size()), &length);
      if (status == SANE_STATUS_EOF) break;
      if (status == SANE_STATUS_CANCELLED || cancelled_) return cancelled_problem();
      if (status != SANE_STATUS_GOOD) {
        return std::unexpected(problem_from(status, "reading page " + std::to_string(page + 1)));
      }
      received += length;
      for (SANE_Int i = 0; i < length;) {  // split the stream into lines
        const std::size_t take =
            std::min<std::size_t>(line_bytes - line.size(), static_cast<std::size_t>(length - i));
        line.insert(line.end(), buffer.data() + i, buffer.data() + i + take);
        i += static_cast<SANE_Int>(take);
        if (line.size() == line_bytes) {
          append_line(p, line.data(), image.pixels);
          line.clear();
        }
      }
      const double fraction = expected > 0 ? std::min(1.0, received / expected) : 0.0;
      if (progress && (fraction - reported >= 0.02 || expected == 0)) {
        reported = fraction;
        boost::asio::post(executor_, [progress, page, fraction] { progress({page, fraction}); });
      }
    }
    // A cancelled scan ends with EOF at some backends: never take its partial page for a page.
    if (cancelled_) return cancelled_problem();
    image.height = static_cast<int>(image.pixels.size() / image.row_bytes());
    if (image.height == 0) return problem(ProblemCode::kIo, "the scanner sent an empty page");
    if (p.lines > 0 && image.height < p.lines) {
      return problem(ProblemCode::kIo, "page " + std::to_string(page + 1) + " ended after " +
                                           std::to_string(image.height) + " of " +
                                           std::to_string(p.lines) + " lines");
    }
    // The last reads fall under the reporting step, and a page of unknown length never got a
    // fraction: a whole page is reported whole.
    if (progress && reported < 1.0) {
      boost::asio::post(executor_, [progress, page] { progress({page, 1.0}); });
    }
    return image;
  }

  boost::asio::any_io_executor executor_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  detail::OneAtATime one_at_a_time_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> hung_{false};
  std::mutex field_mutex_;
  FlatField field_;  // guarded by field_mutex_
  std::mutex active_mutex_;  // held while sane_cancel runs on the canceller, and to end a scan
  std::atomic<SANE_Handle> active_handle_{nullptr};
  // Owned by the worker thread.
  SANE_Status init_status_ = SANE_STATUS_GOOD;
  SANE_Handle handle_ = nullptr;
  detail::WorkerThread canceller_;  // runs sane_cancel for cancel()
  detail::WorkerThread worker_;     // last: started after, and joined before, the members above go
};

}  // namespace

std::unique_ptr<Scanner> make_sane_scanner(boost::asio::any_io_executor executor) {
  return std::make_unique<SaneScanner>(std::move(executor));
}

}  // namespace kiosk::drivers
