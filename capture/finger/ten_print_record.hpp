// The ten-print enrolment as an ANSI/NIST-ITL 1-2011 (Update 2015) transaction: Type-1, Type-2,
// and one Type-14 record per finger position, flat live-scan impressions with PNG images, or an
// AMP entry (amputated / unable to print) for a finger that could not be taken.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "capture/an2k/transaction.hpp"

namespace kiosk::finger {

// Finger positions of ANSI/NIST-ITL Table 8: 1 right thumb ... 5 right little, 6 left thumb ...
// 10 left little.
inline constexpr int kFirstFinger = 1;
inline constexpr int kLastFinger = 10;

enum class MissingCode {
  kAmputated,     // XX
  kUnableToPrint  // UP, e.g. bandaged
};

struct FingerImage {
  int position = 0;
  cv::Mat grey;         // 8-bit, one channel, as the reader gave it
  int pixels_per_inch = 500;
  int quality = -1;     // 0..100, or -1 when not measured
};

struct MissingFinger {
  int position = 0;
  MissingCode code = MissingCode::kUnableToPrint;
};

// The destination agency (1.007 DAI) of the kiosk's transactions: the consulate's central office.
inline constexpr const char* kCentralOfficeAgency = "CENTRAL-OFFICE";

struct TransactionInfo {
  std::string type_of_transaction = "VISA";  // TOT
  std::string destination_agency = kCentralOfficeAgency;  // DAI
  std::string originating_agency;            // ORI: the kiosk's agency identifier
  std::string control_number;                // TCN: unique per transaction
  std::chrono::system_clock::time_point when = std::chrono::system_clock::now();
  std::string domain = "CONSULAR-KIOSK";     // DOM name
  std::string domain_version = "1.0";        // DOM version
};

// Builds the transaction; says what is wrong instead when a mandatory Type-1 field is empty, a
// finger position is out of range, given twice, or an image is not an 8-bit grey image.
std::expected<an2k::Transaction, std::string> ten_print_transaction(
    const TransactionInfo& info, const std::vector<FingerImage>& fingers,
    const std::vector<MissingFinger>& missing);

std::string_view code_of(MissingCode code);  // "XX" or "UP"

}  // namespace kiosk::finger
