// The ten-print capture plan; see ten_print_session.hpp.
#include "capture/finger/ten_print_session.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "config/log.hpp"

namespace kiosk::finger {

namespace {

constexpr std::array<std::string_view, 10> kFingerNames = {
    "right_thumb", "right_index", "right_middle", "right_ring", "right_little",
    "left_thumb",  "left_index",  "left_middle",  "left_ring",  "left_little"};

// What the applicant is told when the reader itself asks for another try.
QualityFeedback feedback_of(drivers::ProblemCode code) {
  switch (code) {
    case drivers::ProblemCode::kFingerTooShort: return QualityFeedback::kPartial;
    case drivers::ProblemCode::kCenterFinger: return QualityFeedback::kNotCentred;
    default: return QualityFeedback::kMoveAndRetry;
  }
}

}  // namespace

std::string_view finger_name(int position) {
  return position >= kFirstFinger && position <= kLastFinger ? kFingerNames[position - 1]
                                                             : "unknown_finger";
}

std::expected<an2k::Transaction, std::string> transaction_of(const TransactionInfo& info,
                                                             const TenPrintResult& result) {
  std::vector<FingerImage> fingers;
  for (const CapturedFinger& c : result.captured) {
    const cv::Mat grey(c.image.height, c.image.width, CV_8UC1,
                       const_cast<std::uint8_t*>(c.image.pixels.data()));
    fingers.push_back({c.position, grey, static_cast<int>(std::lround(c.image.pixels_per_inch)),
                       c.quality});
  }
  std::vector<MissingFinger> missing;
  for (const MissingFingerNote& m : result.missing) missing.push_back({m.position, m.code});
  return ten_print_transaction(info, fingers, missing);
}

struct TenPrintSession::Attempt {
  drivers::FingerCapture capture;
  int quality = 0;
  int matched_position = 0;  // the accepted finger it matched after a warning, or 0
};

TenPrintSession::TenPrintSession(drivers::FingerprintReader& reader,
                                 config::FingerprintRules rules,
                                 const config::FingerprintSection& device,
                                 std::function<void(const TenPrintEvent&)> on_event)
    : reader_(reader),
      rules_(std::move(rules)),
      timeout_(device.capture_timeout),
      default_ppi_(device.resolution_ppi),
      on_event_(std::move(on_event)) {}

TenPrintSession::~TenPrintSession() {
  for (CapturedFinger& f : result_.captured) std::ranges::fill(f.image.pixels, std::uint8_t{0});
}

bool TenPrintSession::mark_missing(int position, MissingCode code, std::string reason) {
  if (position < kFirstFinger || position > kLastFinger || is_captured(position)) return false;
  auto it = std::find_if(result_.missing.begin(), result_.missing.end(),
                         [&](const MissingFingerNote& m) { return m.position == position; });
  if (it == result_.missing.end()) {
    result_.missing.push_back({position, code, std::move(reason)});
    std::sort(result_.missing.begin(), result_.missing.end(),
              [](const auto& a, const auto& b) { return a.position < b.position; });
  } else {
    *it = {position, code, std::move(reason)};
  }
  // The finger on the reader now: stop waiting for it; on_attempt moves on.
  if (running_ && position == position_) reader_.cancel();
  return true;
}

bool TenPrintSession::redo(int position) {
  if (position < kFirstFinger || position > kLastFinger) return false;
  if (running_ && position == position_) return false;
  if (std::erase_if(result_.missing, [&](const MissingFingerNote& m) { return m.position == position; }) > 0) {
    return true;
  }
  const auto captured = std::ranges::find(result_.captured, position, &CapturedFinger::position);
  if (captured == result_.captured.end()) return false;
  std::ranges::fill(captured->image.pixels, std::uint8_t{0});
  result_.captured.erase(captured);
  // Its print no longer counts among those a new finger must differ from.
  const auto in_gallery = std::ranges::find(gallery_positions_, position);
  if (in_gallery != gallery_positions_.end()) {
    gallery_.erase(gallery_.begin() + (in_gallery - gallery_positions_.begin()));
    gallery_positions_.erase(in_gallery);
  }
  return true;
}

bool TenPrintSession::complete() const {
  for (int position = kFirstFinger; position <= kLastFinger; ++position) {
    if (!is_captured(position) && !is_missing(position)) return false;
  }
  return true;
}

void TenPrintSession::run(Done done) {
  if (running_) {
    done(drivers::problem(drivers::ProblemCode::kBusy, "the ten-print capture is running"));
    return;
  }
  running_ = true;
  done_ = std::move(done);
  reader_.on_event([weak = weak_from_this()](drivers::FingerEvent e) {
    const auto self = weak.lock();
    if (!self || !self->running_) return;
    if (e == drivers::FingerEvent::kPlaceFinger) {
      self->emit({TenPrintEvent::Kind::kPlaceFinger, self->position_, self->attempts_ + 1});
    } else if (e == drivers::FingerEvent::kFingerPresent) {
      self->emit({TenPrintEvent::Kind::kFingerOnSensor, self->position_, self->attempts_ + 1});
    }
  });
  position_ = 0;
  next_finger();
}

void TenPrintSession::cancel() {
  if (running_) reader_.cancel();
}

void TenPrintSession::next_finger() {
  ++position_;
  while (position_ <= kLastFinger && (is_captured(position_) || is_missing(position_))) {
    if (is_missing(position_)) emit({TenPrintEvent::Kind::kFingerSkipped, position_});
    ++position_;
  }
  if (position_ > kLastFinger) {
    // A finger given up earlier and taken back, or one to give again: from the first such.
    position_ = kFirstFinger;
    while (position_ <= kLastFinger && (is_captured(position_) || is_missing(position_))) ++position_;
  }
  if (position_ > kLastFinger) {
    finish(result_);
    return;
  }
  attempts_ = 0;
  warnings_ = 0;
  best_.reset();
  attempt();
}

void TenPrintSession::attempt() {
  reader_.identify(gallery_, timeout_, [weak = weak_from_this()](auto outcome) {
    if (const auto self = weak.lock()) self->on_attempt(std::move(outcome));
  });
}

void TenPrintSession::on_attempt(drivers::Result<drivers::FingerCapture> outcome) {
  if (is_missing(position_)) {  // marked missing while we waited for it
    next_finger();
    return;
  }
  if (!outcome) {
    const drivers::Problem& p = outcome.error();
    if (p.is_retry()) {
      // The reader could not take the print (blank, too short, off centre): a failed attempt.
      ++attempts_;
      if (attempts_ < rules_.max_attempts) {
        emit({TenPrintEvent::Kind::kTryAgain, position_, attempts_, 0, feedback_of(p.code)});
        attempt();
      } else if (best_) {
        accept_best();
      } else {
        // Not one readable print of this finger: stop here rather than loop, so that staff can
        // help or mark it unable to print; run() again starts this finger afresh.
        emit({TenPrintEvent::Kind::kTryAgain, position_, attempts_, 0, feedback_of(p.code)});
        finish(std::unexpected(p));
      }
      return;
    }
    if (p.code == drivers::ProblemCode::kRemoved) {
      emit({TenPrintEvent::Kind::kReaderLost, position_, attempts_ + 1});
    }
    finish(std::unexpected(p));
    return;
  }

  drivers::FingerCapture& capture = *outcome;
  const bool duplicate = capture.matched.has_value();
  const int matched_position = duplicate ? gallery_positions_[*capture.matched] : 0;
  if (duplicate && warnings_++ == 0) {
    // Most likely the applicant put the previous finger down again: say so, and try once more.
    emit({TenPrintEvent::Kind::kSameFingerAgain, position_, attempts_ + 1, 0,
          QualityFeedback::kGood, matched_position});
    attempt();
    return;
  }
  ++attempts_;
  const drivers::Image& image = capture.image;
  const cv::Mat grey(image.height, image.width, CV_8UC1,
                     const_cast<std::uint8_t*>(image.pixels.data()));
  const double ppi = image.pixels_per_inch > 0 ? image.pixels_per_inch : default_ppi_;
  const QualityReport report =
      assess_quality(grey, ppi, static_cast<int>(capture.minutiae.size()));
  auto current = std::make_shared<Attempt>(Attempt{std::move(capture), report.score,
                                                   duplicate ? matched_position : 0});
  if (!best_ || current->quality > best_->quality) best_ = current;

  const int threshold = rules_.min_quality_for(position_);
  if (report.score >= threshold || attempts_ >= rules_.max_attempts) {
    accept_best();
    return;
  }
  emit({TenPrintEvent::Kind::kTryAgain, position_, attempts_, report.score,
        report.feedback(threshold)});
  attempt();
}

void TenPrintSession::accept_best() {
  const int threshold = rules_.min_quality_for(position_);
  CapturedFinger finger;
  finger.position = position_;
  finger.attempts = attempts_;
  if (best_) {
    finger.image = std::move(best_->capture.image);
    if (finger.image.pixels_per_inch <= 0) finger.image.pixels_per_inch = default_ppi_;
    finger.quality = best_->quality;
    finger.minutiae = static_cast<int>(best_->capture.minutiae.size());
    if (best_->matched_position != 0) finger.matched_position = best_->matched_position;
    gallery_.push_back(best_->capture.print);
    gallery_positions_.push_back(position_);
  }
  finger.below_threshold = finger.quality < threshold;
  emit({TenPrintEvent::Kind::kFingerAccepted, position_, attempts_, finger.quality,
        finger.below_threshold ? QualityFeedback::kMoveAndRetry : QualityFeedback::kGood});
  result_.captured.push_back(std::move(finger));
  std::sort(result_.captured.begin(), result_.captured.end(),
            [](const auto& a, const auto& b) { return a.position < b.position; });
  best_.reset();
  next_finger();
}

void TenPrintSession::finish(drivers::Result<TenPrintResult> outcome) {
  running_ = false;
  best_.reset();
  if (Done done = std::move(done_)) done(std::move(outcome));
}

bool TenPrintSession::is_missing(int position) const {
  return std::any_of(result_.missing.begin(), result_.missing.end(),
                     [&](const MissingFingerNote& m) { return m.position == position; });
}

bool TenPrintSession::is_captured(int position) const {
  return std::any_of(result_.captured.begin(), result_.captured.end(),
                     [&](const CapturedFinger& c) { return c.position == position; });
}

void TenPrintSession::emit(TenPrintEvent event) const {
  if (on_event_) on_event_(event);
}

}  // namespace kiosk::finger
