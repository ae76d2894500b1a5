// The Type-10 facial image record.
#include "capture/face/face_record.hpp"

#include <algorithm>
#include <cmath>

#include "config/utc_text.hpp"

namespace kiosk::face {

std::expected<an2k::Record, std::string> face_record(const FaceRecordInput& in) {
  if (in.jpeg.size() < 4 || in.jpeg[0] != 0xFF || in.jpeg[1] != 0xD8) {
    return std::unexpected("the photo is not a JPEG file");
  }
  if (in.width_px <= 0 || in.height_px <= 0) return std::unexpected("the photo's size in pixels is missing");
  if (in.spec == nullptr || in.spec->width_mm <= 0) return std::unexpected("the photo's spec is missing");
  an2k::Record r(10);
  r.set(3, "FACE");                                  // IMT
  r.set(4, in.source_agency);                        // SRC
  r.set(5, utc_text(in.taken, "%Y%m%d"));            // PHD
  r.set(6, std::to_string(in.width_px));             // HLL
  r.set(7, std::to_string(in.height_px));            // VLL
  // The photo's physical size is the spec's, so its scale is known: pixels per inch.
  const long ppi = std::lround(in.width_px / (in.spec->width_mm / 25.4));
  r.set(8, "1");                                     // SLC: pixels per inch
  r.set(9, std::to_string(ppi));                     // THPS
  r.set(10, std::to_string(ppi));                    // TVPS
  r.set(11, "JPEGB");                                // CGA: baseline JPEG
  r.set(12, "YCC");                                  // CSP: a colour JPEG's YCbCr
  r.set(13, kIsoFullFrontal);                        // SAP
  r.set(20, "F");                                    // POS: full face frontal
  r.set(23, "DIGITAL CAMERA");                       // PAS
  r.set(an2k::kData, std::string(in.jpeg.begin(), in.jpeg.end()));
  return r;
}

void add_face_record(an2k::Transaction& transaction, an2k::Record record) {
  const auto after = std::ranges::find_if(transaction.records, [](const an2k::Record& r) { return r.type() > 2; });
  transaction.records.insert(after, std::move(record));
}

}  // namespace kiosk::face
