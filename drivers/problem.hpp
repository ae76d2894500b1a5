// What a device operation can end in besides success: a retry the applicant can fix, a device or
// system error for a technician, or a cancellation. Errors are values, never exceptions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace kiosk::drivers {

enum class ProblemCode {
  // Retries: the applicant can fix these (libfprint's FpDeviceRetry and the like).
  kRetry,           // try again, no specific reason
  kFingerTooShort,  // the swipe or touch was too short
  kCenterFinger,    // finger not centred on the sensor
  kRemoveFinger,    // lift the finger and place it again
  // Outcomes that are neither.
  kCancelled,
  kEndOfStream,  // a file source has no more frames, an ADF has no more pages
  // Errors: device or system faults, a technician matter.
  kBusy,           // another operation is running on this device
  kNotFound,       // no such device
  kRemoved,        // the device was unplugged
  kNotOpen,        // the device has not been opened
  kTimeout,        // the device did not answer within the deadline
  kJammed,         // document feeder jammed
  kNoDocuments,    // feeder empty
  kCoverOpen,      // scanner cover open
  kIo,             // I/O error talking to the device
  kAccessDenied,   // permissions
  kNoMemory,
  kUnsupported,    // the device cannot do what was asked
  kInvalid,        // a bad setting or argument
  kProtocol,       // the device said something that made no sense
  kDeviceFailure,  // any other device fault
};

enum class ProblemKind { kRetry, kCancelled, kEndOfStream, kError };

struct Problem {
  ProblemCode code = ProblemCode::kDeviceFailure;
  std::string detail;  // for the technician and the log: never applicant data

  ProblemKind kind() const;
  bool is_retry() const { return kind() == ProblemKind::kRetry; }
  bool is_error() const { return kind() == ProblemKind::kError; }
  // "scanner: document feeder jammed (SANE_STATUS_JAMMED)"
  std::string message() const;
};

std::string_view to_string(ProblemCode code);

template <typename T>
using Result = std::expected<T, Problem>;

inline std::unexpected<Problem> problem(ProblemCode code, std::string detail = {}) {
  return std::unexpected(Problem{code, std::move(detail)});
}

}  // namespace kiosk::drivers
