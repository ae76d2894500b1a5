// The libfprint back-end of FingerprintReader. Every libfprint call runs on the GLib thread; each
// result is posted to the application's executor.
#include <fprint.h>

#include <algorithm>
#include <atomic>
#include <optional>

#include <boost/asio/post.hpp>

#include "config/log.hpp"
#include "drivers/fingerprint/fingerprint_reader.hpp"
#include "drivers/fingerprint/glib_thread.hpp"
#include "drivers/worker.hpp"

namespace kiosk::drivers {
namespace {

Problem problem_from(const GError* error) {
  const std::string detail = error->message != nullptr ? error->message : "";
  if (error->domain == FP_DEVICE_RETRY) {
    switch (error->code) {
      case FP_DEVICE_RETRY_TOO_SHORT: return {ProblemCode::kFingerTooShort, detail};
      case FP_DEVICE_RETRY_CENTER_FINGER: return {ProblemCode::kCenterFinger, detail};
      case FP_DEVICE_RETRY_REMOVE_FINGER: return {ProblemCode::kRemoveFinger, detail};
      default: return {ProblemCode::kRetry, detail};
    }
  }
  if (error->domain == FP_DEVICE_ERROR) {
    switch (error->code) {
      case FP_DEVICE_ERROR_NOT_SUPPORTED: return {ProblemCode::kUnsupported, detail};
      case FP_DEVICE_ERROR_NOT_OPEN: return {ProblemCode::kNotOpen, detail};
      case FP_DEVICE_ERROR_BUSY: return {ProblemCode::kBusy, detail};
      case FP_DEVICE_ERROR_PROTO: return {ProblemCode::kProtocol, detail};
      case FP_DEVICE_ERROR_DATA_INVALID: return {ProblemCode::kInvalid, detail};
      case FP_DEVICE_ERROR_REMOVED: return {ProblemCode::kRemoved, detail};
      default: return {ProblemCode::kDeviceFailure, detail};
    }
  }
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    return {ProblemCode::kCancelled, detail};
  }
  return {ProblemCode::kIo, detail};
}

Image image_of(FpImage* image) {
  Image out;
  out.width = static_cast<int>(fp_image_get_width(image));
  out.height = static_cast<int>(fp_image_get_height(image));
  out.channels = 1;
  out.pixels_per_inch = fp_image_get_ppmm(image) * 25.4;
  gsize length = 0;
  const guchar* data = fp_image_get_data(image, &length);
  out.pixels.assign(data, data + length);
  return out;
}

std::vector<Minutia> minutiae_of(FpImage* image) {
  std::vector<Minutia> out;
  GPtrArray* all = fp_image_get_minutiae(image);
  for (guint i = 0; all != nullptr && i < all->len; ++i) {
    Minutia m;
    fp_minutia_get_coords(static_cast<FpMinutia*>(g_ptr_array_index(all, i)), &m.x, &m.y);
    out.push_back(m);
  }
  return out;
}

// A libfprint print; released on whichever thread lets go of it last (GObject refcounting is
// thread-safe, and a finished print is not touched by the device any more).
class LibfprintTemplate final : public FingerTemplate {
 public:
  explicit LibfprintTemplate(FpPrint* print) : print_(print) {}
  ~LibfprintTemplate() override { g_object_unref(print_); }
  LibfprintTemplate(const LibfprintTemplate&) = delete;
  LibfprintTemplate& operator=(const LibfprintTemplate&) = delete;
  FpPrint* print() const { return print_; }

 private:
  FpPrint* print_;
};

FingerprintDeviceInfo info_of(FpDevice* device) {
  return {fp_device_get_device_id(device), fp_device_get_driver(device),
          fp_device_get_name(device)};
}

class LibfprintReader final : public FingerprintReader {
 public:
  explicit LibfprintReader(boost::asio::any_io_executor executor)
      : executor_(std::move(executor)),
        log_(log::get("fingerprint")),
        thread_([this] { context_ = fp_context_new(); }, [this] { teardown(); }) {}

  ~LibfprintReader() override = default;  // thread_ runs teardown() and joins

  void list_devices(Handler<std::vector<FingerprintDeviceInfo>> done) override {
    thread_.invoke([this, done = std::move(done)]() mutable {
      std::vector<FingerprintDeviceInfo> devices;
      GPtrArray* all = fp_context_get_devices(context_);  // enumerates on first call
      for (guint i = 0; i < all->len; ++i) {
        devices.push_back(info_of(FP_DEVICE(g_ptr_array_index(all, i))));
      }
      complete(std::move(done), Result<std::vector<FingerprintDeviceInfo>>(std::move(devices)));
    });
  }

  void open(const std::string& id, Handler<FingerprintDeviceInfo> done) override {
    thread_.invoke([this, id, done = std::move(done)]() mutable {
      if (!begin(done)) return;
      if (device_ != nullptr && removed_) forget_device();  // look for it afresh
      if (device_ != nullptr) {
        finish(std::move(done), Result<FingerprintDeviceInfo>(info_of(device_)));
        return;
      }
      FpDevice* found = find(id);
      if (found == nullptr) {
        // libfprint drops a removed reader from its context and enumerates only once per
        // context: a reader plugged back in (or the simulation's, made again) needs a new one.
        g_clear_object(&context_);
        context_ = fp_context_new();
        found = find(id);
      }
      if (found == nullptr) {
        finish(std::move(done), Result<FingerprintDeviceInfo>(problem(
                                    ProblemCode::kNotFound,
                                    id.empty() ? "no fingerprint reader found"
                                               : "no fingerprint reader with id " + id)));
        return;
      }
      pending_open_ = std::move(done);
      fp_device_open(found, cancellable_, &LibfprintReader::on_opened, this);
    });
  }

  void capture(std::chrono::milliseconds deadline, Handler<Image> done) override {
    thread_.invoke([this, deadline, done = std::move(done)]() mutable {
      if (!begin(done)) return;
      if (device_ == nullptr) {
        finish(std::move(done), Result<Image>(problem(ProblemCode::kNotOpen, "open it first")));
        return;
      }
      if (removed_) {
        finish(std::move(done), Result<Image>(problem(ProblemCode::kRemoved, "reader unplugged")));
        return;
      }
      pending_capture_ = std::move(done);
      arm_deadline(deadline);
      fp_device_capture(device_, /*wait_for_finger=*/TRUE, cancellable_,
                        &LibfprintReader::on_captured, this);
    });
  }

  void identify(std::vector<FingerTemplatePtr> gallery, std::chrono::milliseconds deadline,
                Handler<FingerCapture> done) override {
    thread_.invoke([this, gallery = std::move(gallery), deadline,
                    done = std::move(done)]() mutable {
      if (!begin(done)) return;
      if (device_ == nullptr || removed_) {
        finish(std::move(done), Result<FingerCapture>(problem(
                                    device_ == nullptr ? ProblemCode::kNotOpen : ProblemCode::kRemoved,
                                    device_ == nullptr ? "open it first" : "reader unplugged")));
        return;
      }
      if (!fp_device_has_feature(device_, FP_DEVICE_FEATURE_IDENTIFY)) {
        finish(std::move(done), Result<FingerCapture>(problem(
                                    ProblemCode::kUnsupported, "this reader cannot identify")));
        return;
      }
      GPtrArray* prints = g_ptr_array_new();
      for (const FingerTemplatePtr& t : gallery) {
        const auto* ours = dynamic_cast<const LibfprintTemplate*>(t.get());
        if (ours == nullptr) {
          g_ptr_array_unref(prints);
          finish(std::move(done), Result<FingerCapture>(problem(
                                      ProblemCode::kInvalid, "a print from another reader")));
          return;
        }
        g_ptr_array_add(prints, ours->print());
      }
      pending_identify_ = std::move(done);
      pending_gallery_ = std::move(gallery);
      arm_deadline(deadline);
      fp_device_identify(device_, prints, cancellable_, nullptr, nullptr, nullptr,
                         &LibfprintReader::on_identified, this);
      g_ptr_array_unref(prints);  // libfprint keeps its own references
    });
  }

  void cancel() override {
    // g_cancellable_cancel is thread-safe; take the current one on the GLib thread all the same so
    // that a cancel queued after an operation ended cannot hit the next one.
    thread_.invoke([this] {
      if (cancellable_ != nullptr) g_cancellable_cancel(cancellable_);
    });
  }

  void close(Handler<void> done) override {
    thread_.invoke([this, done = std::move(done)]() mutable {
      if (!begin(done)) return;
      if (device_ == nullptr) {
        finish(std::move(done), Result<void>());
        return;
      }
      pending_close_ = std::move(done);
      fp_device_close(device_, nullptr, &LibfprintReader::on_closed, this);
    });
  }

  void on_event(std::function<void(FingerEvent)> handler) override {
    thread_.invoke([this, handler = std::move(handler)] {
      event_handler_ = std::make_shared<std::function<void(FingerEvent)>>(handler);
    });
  }

 private:
  // Starts an operation; answers "busy" when one is running. GLib thread only.
  template <typename T>
  bool begin(Handler<T>& done) {
    if (cancellable_ != nullptr) {
      complete(std::move(done),
               Result<T>(problem(ProblemCode::kBusy, "another operation is running")));
      return false;
    }
    cancellable_ = g_cancellable_new();
    timed_out_ = false;
    return true;
  }

  // Ends the running operation and delivers its result.
  template <typename T>
  void finish(Handler<T> done, Result<T> result) {
    disarm_deadline();
    g_clear_object(&cancellable_);
    complete(std::move(done), std::move(result));
  }

  template <typename T>
  void complete(Handler<T> done, Result<T> result) {
    detail::deliver(executor_, std::move(done), std::move(result));
  }

  void emit(FingerEvent event) {
    if (!event_handler_) return;
    boost::asio::post(executor_, [handler = event_handler_, event] { (*handler)(event); });
  }

  Problem problem_of(const GError* error) const {
    Problem p = problem_from(error);
    if (p.code == ProblemCode::kCancelled && timed_out_) {
      p = {ProblemCode::kTimeout, "no finger within the deadline"};
    }
    if (removed_ && p.is_error()) p.code = ProblemCode::kRemoved;
    return p;
  }

  void arm_deadline(std::chrono::milliseconds deadline) {
    deadline_ = g_timeout_source_new(static_cast<guint>(deadline.count()));
    g_source_set_callback(
        deadline_,
        [](gpointer self) -> gboolean {
          auto* reader = static_cast<LibfprintReader*>(self);
          reader->timed_out_ = true;
          if (reader->cancellable_ != nullptr) g_cancellable_cancel(reader->cancellable_);
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(deadline_, thread_.context());
  }

  void disarm_deadline() {
    if (deadline_ == nullptr) return;
    g_source_destroy(deadline_);
    g_source_unref(deadline_);
    deadline_ = nullptr;
  }

  static void on_opened(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<LibfprintReader*>(data);
    auto* device = FP_DEVICE(source);
    GError* error = nullptr;
    auto done = std::move(self->pending_open_);
    if (!fp_device_open_finish(device, res, &error)) {
      self->finish(std::move(done), Result<FingerprintDeviceInfo>(
                                        std::unexpected(self->problem_of(error))));
      g_error_free(error);
      return;
    }
    self->device_ = FP_DEVICE(g_object_ref(device));
    self->removed_ = false;
    g_signal_connect(device, "notify::finger-status", G_CALLBACK(&LibfprintReader::on_finger),
                     self);
    g_signal_connect(device, "removed", G_CALLBACK(&LibfprintReader::on_removed), self);
    self->log_->info("opened {} ({})", fp_device_get_name(device), fp_device_get_driver(device));
    self->finish(std::move(done), Result<FingerprintDeviceInfo>(info_of(device)));
  }

  static void on_captured(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<LibfprintReader*>(data);
    GError* error = nullptr;
    FpImage* image = fp_device_capture_finish(FP_DEVICE(source), res, &error);
    auto done = std::move(self->pending_capture_);
    if (image == nullptr) {
      Problem p = self->problem_of(error);
      // libfprint fails the capture before it signals the removal: announce it first, so that
      // the application hears of the unplugged reader before any result that reports it.
      if (p.code == ProblemCode::kRemoved) self->announce_removal();
      self->log_->info("capture ended: {}", p.message());
      self->finish(std::move(done), Result<Image>(std::unexpected(std::move(p))));
      g_error_free(error);
      return;
    }
    Image out = image_of(image);
    g_object_unref(image);
    self->finish(std::move(done), Result<Image>(std::move(out)));
  }

  static void on_identified(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<LibfprintReader*>(data);
    GError* error = nullptr;
    FpPrint* match = nullptr;
    FpPrint* print = nullptr;
    const gboolean ok = fp_device_identify_finish(FP_DEVICE(source), res, &match, &print, &error);
    auto done = std::move(self->pending_identify_);
    const auto gallery = std::move(self->pending_gallery_);
    self->pending_gallery_.clear();
    if (!ok || print == nullptr) {
      Problem p = error != nullptr ? self->problem_of(error)
                                   : Problem{ProblemCode::kDeviceFailure, "no print returned"};
      if (p.code == ProblemCode::kRemoved) self->announce_removal();
      self->log_->info("identify ended: {}", p.message());
      self->finish(std::move(done), Result<FingerCapture>(std::unexpected(std::move(p))));
      if (error != nullptr) g_error_free(error);
      if (match != nullptr) g_object_unref(match);
      if (print != nullptr) g_object_unref(print);
      return;
    }
    FingerCapture capture;
    if (FpImage* image = fp_print_get_image(print); image != nullptr) {
      capture.image = image_of(image);
      capture.minutiae = minutiae_of(image);
    }
    for (std::size_t i = 0; match != nullptr && i < gallery.size(); ++i) {
      if (static_cast<const LibfprintTemplate*>(gallery[i].get())->print() == match) {
        capture.matched = i;
      }
    }
    if (match != nullptr) g_object_unref(match);
    capture.print = std::make_shared<LibfprintTemplate>(print);  // takes our reference
    self->finish(std::move(done), Result<FingerCapture>(std::move(capture)));
  }

  static void on_closed(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<LibfprintReader*>(data);
    GError* error = nullptr;
    const gboolean ok = fp_device_close_finish(FP_DEVICE(source), res, &error);
    auto done = std::move(self->pending_close_);
    self->forget_device();
    if (!ok && !self->removed_) {
      self->finish(std::move(done), Result<void>(std::unexpected(self->problem_of(error))));
    } else {
      self->finish(std::move(done), Result<void>());
    }
    if (error != nullptr) g_error_free(error);
  }

  static void on_finger(FpDevice* device, GParamSpec*, gpointer data) {
    auto* self = static_cast<LibfprintReader*>(data);
    const FpFingerStatusFlags status = fp_device_get_finger_status(device);
    if (status & FP_FINGER_STATUS_PRESENT) {
      self->emit(FingerEvent::kFingerPresent);
    } else if (status & FP_FINGER_STATUS_NEEDED) {
      self->emit(FingerEvent::kPlaceFinger);
    }
  }

  static void on_removed(FpDevice*, gpointer data) {
    static_cast<LibfprintReader*>(data)->announce_removal();
  }

  void announce_removal() {
    if (removed_) return;
    removed_ = true;
    log_->warn("reader removed");
    emit(FingerEvent::kDeviceRemoved);
  }

  // The context's reader with this id (any reader for an empty id), or null.
  FpDevice* find(const std::string& id) {
    GPtrArray* all = fp_context_get_devices(context_);  // enumerates on first call
    for (guint i = 0; i < all->len; ++i) {
      auto* d = FP_DEVICE(g_ptr_array_index(all, i));
      if (id.empty() || id == fp_device_get_device_id(d)) return d;
    }
    return nullptr;
  }

  void forget_device() {
    if (device_ == nullptr) return;
    g_signal_handlers_disconnect_by_data(device_, this);
    g_clear_object(&device_);
  }

  // On the GLib thread, at destruction: stop whatever runs and close the device.
  void teardown() {
    if (cancellable_ != nullptr) g_cancellable_cancel(cancellable_);
    // Let a cancelled operation finish first (libfprint refuses to close a busy device), but
    // never wait for ever on a device that stopped answering.
    const gint64 give_up = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while ((pending_capture_ || pending_identify_ || pending_open_) &&
           g_get_monotonic_time() < give_up) {
      g_main_context_iteration(thread_.context(), FALSE);
      g_usleep(1000);
    }
    if (device_ != nullptr && fp_device_is_open(device_) && !pending_capture_ &&
        !pending_identify_) {
      fp_device_close_sync(device_, nullptr, nullptr);
    }
    forget_device();
    disarm_deadline();
    g_clear_object(&cancellable_);
    g_clear_object(&context_);
  }

  boost::asio::any_io_executor executor_;
  std::shared_ptr<spdlog::logger> log_;
  // Everything below belongs to the GLib thread.
  FpContext* context_ = nullptr;
  FpDevice* device_ = nullptr;
  GCancellable* cancellable_ = nullptr;  // non-null while an operation runs
  GSource* deadline_ = nullptr;
  bool timed_out_ = false;
  bool removed_ = false;
  Handler<FingerprintDeviceInfo> pending_open_;
  Handler<Image> pending_capture_;
  Handler<FingerCapture> pending_identify_;
  std::vector<FingerTemplatePtr> pending_gallery_;  // kept alive while libfprint matches
  Handler<void> pending_close_;
  std::shared_ptr<std::function<void(FingerEvent)>> event_handler_;
  detail::GlibThread thread_;  // last: started after, and stopped before, the members above
};

}  // namespace

std::unique_ptr<FingerprintReader> make_libfprint_reader(boost::asio::any_io_executor executor) {
  return std::make_unique<LibfprintReader>(std::move(executor));
}

Result<std::vector<Minutia>> detect_minutiae(const Image& grey) {
  if (grey.channels != 1 || grey.width <= 0 || grey.height <= 0 || grey.width > G_MAXUINT16 ||
      grey.height > G_MAXUINT16 || grey.pixels.size() != grey.row_bytes() * grey.height) {
    return problem(ProblemCode::kInvalid, "not an 8-bit grey image");
  }
  // The detector completes on the thread-default context of the caller: give it one of its own,
  // so that this works on any thread, beside a reader's GLib thread too.
  GMainContext* context = g_main_context_new();
  g_main_context_push_thread_default(context);
  FpImage* image = fp_image_new(grey.width, grey.height);
  // fp_image_new allocates the pixels and libfprint offers no setter; the buffer is ours to fill
  // until the detector copies it.
  std::copy(grey.pixels.begin(), grey.pixels.end(),
            const_cast<guchar*>(fp_image_get_data(image, nullptr)));
  struct Outcome {
    bool done = false;
    GError* error = nullptr;
  } outcome;
  fp_image_detect_minutiae(
      image, nullptr,
      [](GObject* source, GAsyncResult* res, gpointer data) {
        auto* o = static_cast<Outcome*>(data);
        fp_image_detect_minutiae_finish(FP_IMAGE(source), res, &o->error);
        o->done = true;
      },
      &outcome);
  while (!outcome.done) g_main_context_iteration(context, TRUE);
  // The detector fails with "No minutiae found" on a blank image: that is an answer, none.
  std::vector<Minutia> result = outcome.error == nullptr ? minutiae_of(image)
                                                         : std::vector<Minutia>{};
  g_clear_error(&outcome.error);
  g_object_unref(image);
  g_main_context_pop_thread_default(context);
  g_main_context_unref(context);
  return result;
}

}  // namespace kiosk::drivers
