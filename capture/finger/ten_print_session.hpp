// The ten-print capture plan on the fingerprint reader: flat impressions one finger at a time,
// right thumb to right little then left thumb to left little (ANSI/NIST-ITL positions 1–10).
// Each attempt is scored; below the finger's threshold the applicant is told what to change and
// tries again, up to the configured attempts, and the best attempt is kept, not the last. Each
// finger is matched against those already accepted (libfprint identify), so the same finger given
// twice is caught.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/finger/quality.hpp"
#include "capture/finger/ten_print_record.hpp"
#include "config/config.hpp"
#include "drivers/fingerprint/fingerprint_reader.hpp"

namespace kiosk::finger {

// "right_thumb" ... "left_little": the identifier of the prompt naming the finger, for the UI's
// message catalogues.
std::string_view finger_name(int position);

struct CapturedFinger {
  int position = 0;
  drivers::Image image;          // the best attempt
  int quality = 0;               // 0..100
  int minutiae = 0;
  int attempts = 0;              // attempts scored, the best among them kept
  bool below_threshold = false;  // accepted after the last attempt without reaching the threshold
  // Set when this finger matched an earlier finger again after a warning: the applicant may have
  // given the same finger twice. Recorded, for the central office to look at.
  std::optional<int> matched_position;
};

struct MissingFingerNote {
  int position = 0;
  MissingCode code = MissingCode::kUnableToPrint;
  std::string reason;  // free text, e.g. "bandaged"; for the sealed record only
};

struct TenPrintResult {
  std::vector<CapturedFinger> captured;  // in position order
  std::vector<MissingFingerNote> missing;
  bool all_missing() const { return captured.empty() && missing.size() == 10; }
};

// The session's outcome as an ANSI/NIST-ITL transaction (ten_print_record.hpp).
std::expected<an2k::Transaction, std::string> transaction_of(const TransactionInfo& info,
                                                             const TenPrintResult& result);

// What the applicant is to be shown or told, as it happens.
struct TenPrintEvent {
  enum class Kind {
    kPlaceFinger,      // prompt: place `position` on the reader
    kFingerOnSensor,   // the reader feels a finger
    kTryAgain,         // the attempt fell short: `feedback` says why
    kSameFingerAgain,  // it matched finger `matched_position`: the applicant gave that one already
    kFingerAccepted,   // `position` is done, with `quality` after `attempt` attempts
    kFingerSkipped,    // `position` was marked missing
    kReaderLost,       // the reader went away; the session stops, keeping what it has
  };
  Kind kind;
  int position = 0;
  int attempt = 0;  // 1-based number of the attempt this event belongs to
  int quality = 0;
  QualityFeedback feedback = QualityFeedback::kGood;
  int matched_position = 0;
};

// One applicant's ten-print capture. Runs on the reader's executor; every call is made from it.
// The reader must be open. Made with std::make_shared (callbacks hold it weakly).
class TenPrintSession : public std::enable_shared_from_this<TenPrintSession> {
 public:
  using Done = std::function<void(drivers::Result<TenPrintResult>)>;

  TenPrintSession(drivers::FingerprintReader& reader, config::FingerprintRules rules,
                  const config::FingerprintSection& device,
                  std::function<void(const TenPrintEvent&)> on_event);
  ~TenPrintSession();  // the prints' pixels are overwritten
  TenPrintSession(const TenPrintSession&) = delete;
  TenPrintSession& operator=(const TenPrintSession&) = delete;

  // Before or during capture. Marking the finger being captured cancels its capture and moves on.
  // Refused (false) for a position out of range or a finger already accepted.
  bool mark_missing(int position, MissingCode code, std::string reason);
  // The applicant gives finger `position` again: its print (or its missing mark) is dropped, and
  // the next run() (or the one running now, once it is through) captures it afresh. Refused
  // (false) for a position out of range, the finger on the reader now, or one neither captured
  // nor marked missing.
  bool redo(int position);
  // Every finger captured or marked missing.
  bool complete() const;
  // A run() has not called its `done` yet (a cancel ends it a moment later).
  bool running() const { return running_; }

  // Captures every finger not yet captured nor missing, then calls `done` with the whole result.
  // After a failure (reader removed, device error, cancel) `done` gets the problem and the
  // fingers accepted so far stay: call run() again, e.g. once the reader is back, to go on.
  void run(Done done);
  void cancel();

  const TenPrintResult& result() const { return result_; }

 private:
  struct Attempt;
  void next_finger();
  void attempt();
  void on_attempt(drivers::Result<drivers::FingerCapture> outcome);
  void accept_best();
  void finish(drivers::Result<TenPrintResult> outcome);
  bool is_missing(int position) const;
  bool is_captured(int position) const;
  void emit(TenPrintEvent event) const;

  drivers::FingerprintReader& reader_;
  config::FingerprintRules rules_;
  std::chrono::milliseconds timeout_;
  int default_ppi_;
  std::function<void(const TenPrintEvent&)> on_event_;
  TenPrintResult result_;
  Done done_;
  bool running_ = false;
  // The finger being captured.
  int position_ = 0;
  int attempts_ = 0;
  int warnings_ = 0;  // times this finger matched an accepted one
  std::shared_ptr<Attempt> best_;
  // Accepted prints to identify new fingers against, with their positions.
  std::vector<drivers::FingerTemplatePtr> gallery_;
  std::vector<int> gallery_positions_;
};

}  // namespace kiosk::finger
