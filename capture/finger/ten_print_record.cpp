// Type-1, Type-2 and Type-14 records of a ten-print enrolment.
#include "capture/finger/ten_print_record.hpp"

#include <algorithm>
#include <set>

#include <opencv2/imgcodecs.hpp>

#include "config/utc_text.hpp"

namespace kiosk::finger {
namespace {

using an2k::Record;
using an2k::Subfields;

// Fields common to every Type-14 record of this transaction.
Record type14(const TransactionInfo& info, int position) {
  Record r(14);
  r.set(3, "0");  // IMP: live-scan plain
  r.set(4, info.originating_agency);  // SRC
  r.set(5, utc_text(info.when, "%Y%m%d"));  // FCD
  r.set(13, std::to_string(position));  // FGP
  return r;
}

}  // namespace

std::string_view code_of(MissingCode code) {
  return code == MissingCode::kAmputated ? "XX" : "UP";
}

std::expected<an2k::Transaction, std::string> ten_print_transaction(
    const TransactionInfo& info, const std::vector<FingerImage>& fingers,
    const std::vector<MissingFinger>& missing) {
  std::set<int> seen;
  auto check_position = [&](int position) -> std::expected<void, std::string> {
    if (position < kFirstFinger || position > kLastFinger) {
      return std::unexpected("finger position " + std::to_string(position) +
                             " is not 1 (right thumb) to 10 (left little)");
    }
    if (!seen.insert(position).second) {
      return std::unexpected("finger position " + std::to_string(position) + " is given twice");
    }
    return {};
  };

  // Mandatory in Type-1 (ANSI/NIST-ITL 1-2011 table 11) and ours to fill: a receiver refuses a
  // transaction without them.
  for (const auto& [value, name] : {std::pair{&info.destination_agency, "destination agency (1.007 DAI)"},
                                    std::pair{&info.originating_agency, "originating agency (1.008 ORI)"},
                                    std::pair{&info.control_number, "control number (1.009 TCN)"},
                                    std::pair{&info.type_of_transaction, "type of transaction (1.004 TOT)"}}) {
    if (value->empty()) return std::unexpected(std::string("the ") + name + " is empty");
  }

  an2k::Transaction t;
  Record type1(1);
  type1.set(2, "0502");                           // VER
  type1.set(4, info.type_of_transaction);         // TOT
  type1.set(5, utc_text(info.when, "%Y%m%d"));         // DAT
  type1.set(7, info.destination_agency);          // DAI
  type1.set(8, info.originating_agency);          // ORI
  type1.set(9, info.control_number);              // TCN
  type1.set(11, "00.00");                         // NSR: no Type-4 records
  type1.set(12, "00.00");                         // NTR
  type1.set(13, Subfields{{info.domain, info.domain_version}});  // DOM
  type1.set(14, utc_text(info.when, "%Y%m%d%H%M%SZ")); // GMT
  t.records.push_back(std::move(type1));
  t.records.emplace_back(2);  // Type-2: the descriptive text lives in the manifest

  std::vector<Record> by_position;
  for (const FingerImage& f : fingers) {
    if (auto ok = check_position(f.position); !ok) return std::unexpected(ok.error());
    if (f.grey.empty() || f.grey.type() != CV_8UC1) {
      return std::unexpected("finger " + std::to_string(f.position) +
                             ": the image must be 8-bit grey");
    }
    if (f.pixels_per_inch <= 0) {
      return std::unexpected("finger " + std::to_string(f.position) + ": resolution unknown");
    }
    std::vector<std::uint8_t> png;
    if (!cv::imencode(".png", f.grey, png)) {
      return std::unexpected("finger " + std::to_string(f.position) + ": PNG encoding failed");
    }
    Record r = type14(info, f.position);
    r.set(6, std::to_string(f.grey.cols));         // HLL
    r.set(7, std::to_string(f.grey.rows));         // VLL
    r.set(8, "1");                                 // SLC: pixels per inch
    r.set(9, std::to_string(f.pixels_per_inch));   // THPS
    r.set(10, std::to_string(f.pixels_per_inch));  // TVPS
    r.set(11, "PNG");                              // CGA
    r.set(12, "8");                                // BPX
    if (f.quality >= 0) {
      // FQM: position, score 0..100, algorithm vendor (FFFF: not registered), product code.
      r.set(24, Subfields{{std::to_string(f.position), std::to_string(f.quality), "FFFF", "1"}});
    }
    r.set(an2k::kData, std::string(png.begin(), png.end()));
    by_position.push_back(std::move(r));
  }
  for (const MissingFinger& m : missing) {
    if (auto ok = check_position(m.position); !ok) return std::unexpected(ok.error());
    Record r = type14(info, m.position);
    r.set(18, Subfields{{std::to_string(m.position), std::string(code_of(m.code))}});  // AMP
    by_position.push_back(std::move(r));
  }
  std::sort(by_position.begin(), by_position.end(), [](const Record& a, const Record& b) {
    return std::stoi(a.text(13)) < std::stoi(b.text(13));
  });
  for (Record& r : by_position) t.records.push_back(std::move(r));
  return t;
}

}  // namespace kiosk::finger
