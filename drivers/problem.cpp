// Names and kinds of device problems.
#include "drivers/problem.hpp"

namespace kiosk::drivers {

ProblemKind Problem::kind() const {
  switch (code) {
    case ProblemCode::kRetry:
    case ProblemCode::kFingerTooShort:
    case ProblemCode::kCenterFinger:
    case ProblemCode::kRemoveFinger: return ProblemKind::kRetry;
    case ProblemCode::kCancelled: return ProblemKind::kCancelled;
    case ProblemCode::kEndOfStream: return ProblemKind::kEndOfStream;
    default: return ProblemKind::kError;
  }
}

std::string Problem::message() const {
  std::string m(to_string(code));
  if (!detail.empty()) m += ": " + detail;
  return m;
}

std::string_view to_string(ProblemCode code) {
  switch (code) {
    case ProblemCode::kRetry: return "try again";
    case ProblemCode::kFingerTooShort: return "finger touch too short";
    case ProblemCode::kCenterFinger: return "finger not centred";
    case ProblemCode::kRemoveFinger: return "remove the finger and try again";
    case ProblemCode::kCancelled: return "cancelled";
    case ProblemCode::kEndOfStream: return "end of stream";
    case ProblemCode::kBusy: return "device busy";
    case ProblemCode::kNotFound: return "device not found";
    case ProblemCode::kRemoved: return "device removed";
    case ProblemCode::kNotOpen: return "device not open";
    case ProblemCode::kTimeout: return "device timed out";
    case ProblemCode::kJammed: return "document feeder jammed";
    case ProblemCode::kNoDocuments: return "no document in the feeder";
    case ProblemCode::kCoverOpen: return "scanner cover open";
    case ProblemCode::kIo: return "device I/O error";
    case ProblemCode::kAccessDenied: return "access to the device denied";
    case ProblemCode::kNoMemory: return "out of memory";
    case ProblemCode::kUnsupported: return "not supported by the device";
    case ProblemCode::kInvalid: return "invalid setting";
    case ProblemCode::kProtocol: return "device protocol error";
    case ProblemCode::kDeviceFailure: return "device failure";
  }
  return "unknown problem";
}

}  // namespace kiosk::drivers
