// The applicant's photo as an ANSI/NIST-ITL 1-2011 (Update 2015) Type-10 record (facial image) for
// the enrolment transaction: the JPEG the service takes, as it is (no second compression), with
// its size, scale, colour space, acquisition profile and pose.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "capture/an2k/transaction.hpp"
#include "config/services.hpp"

namespace kiosk::face {

// Subject acquisition profile (10.013), ANSI/NIST-ITL 1-2011 table 21: 13, "ISO full frontal
// facial image" (ISO/IEC 19794-5): the photo cut to its spec is a full-frontal image with at least
// 90 pixels between the eye centres, which every photo spec asks for. (14 is the ISO *token*
// image, scaled and cut on the eyes' positions alone.)
inline constexpr const char* kIsoFullFrontal = "13";

struct FaceRecordInput {
  std::vector<std::uint8_t> jpeg;  // the photo file (photo_file.hpp)
  int width_px = 0, height_px = 0;
  const config::PhotoSpec* spec = nullptr;  // its physical size gives the scale
  std::string source_agency;  // SRC: the kiosk's agency identifier (the Type-1 ORI)
  std::chrono::system_clock::time_point taken;  // PHD
};

// The Type-10 record; says what is wrong instead when the file is not a JPEG or the sizes are
// missing.
std::expected<an2k::Record, std::string> face_record(const FaceRecordInput& input);

// Puts `record` into `transaction` after its Type-1 and Type-2 records (whose IDCs the encoder
// then numbers by position).
void add_face_record(an2k::Transaction& transaction, an2k::Record record);

}  // namespace kiosk::face
