// The services a kiosk offers and what each asks of an applicant's documents: which travel
// documents it accepts and for how long they must stay valid, the supporting papers on its
// checklist, and the file rules those papers are uploaded under. Consular data, not code: it is
// loaded from the catalogue file the kiosk configuration names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kiosk::config {

// What an uploaded file must be: one of `formats` (lower-case extensions: jpg, jpeg, png, tif,
// bmp, pdf; the first is the one chosen when nothing else is asked for), within a size band, at a
// resolution the office can still read.
struct FileRule {
  std::string name;
  std::vector<std::string> formats;
  std::uint64_t min_bytes = 0;
  std::uint64_t max_bytes = std::uint64_t{2} << 20;
  int max_dpi = 300;  // the file is never made finer than this
  int min_dpi = 150;  // nor coarser: text below it stops being legible
  bool allows(std::string_view format) const;
};

// When a paper on a checklist is asked for.
enum class DocumentCondition {
  kAlways,
  kMinor,         // the applicant is under the age of majority on the application date
  kLostPassport,  // the applicant reports the previous passport lost or stolen
};

struct SupportingDocument {
  std::string id;  // also its message key: "document.<id>" in the UI's catalogues
  DocumentCondition when = DocumentCondition::kAlways;
  bool required = true;  // false: the applicant may skip it
  int max_pages = 10;
  std::string file_rule;  // a FileRule name
};

// What a service's photo must be: its size, where the head sits in it, its background and its
// file. The rules the kiosk applies to every camera frame and to the finished photo read their
// numbers from here.
struct PhotoSpec {
  std::string name;
  double width_mm = 35, height_mm = 45;
  int width_px = 827, height_px = 1063;  // the finished photo (from width_px/height_px or dpi)
  // Crown (top of the head or hair) to chin, and the face's width, in millimetres of the photo;
  // head width 0..0 is not checked.
  double min_head_height_mm = 31.5, max_head_height_mm = 36;
  double min_head_width_mm = 0, max_head_width_mm = 0;
  // The eye line's height above the photo's bottom edge, as a share of the photo's height.
  double min_eye_line = 0.5, max_eye_line = 0.7;
  int min_eye_distance_px = 90;  // between the eye centres in the finished photo
  bool white_background = false;  // false: light and uniform is enough
  double max_roll_deg = 8, max_yaw_deg = 5;
  std::uint64_t min_bytes = 0, max_bytes = std::uint64_t{5} << 20;  // the JPEG file
  // Exposure on the face: the share of pixels crushed to black or burnt to white, and the spread
  // of the face's luminance between its left and right halves (uneven light).
  double max_dark_share = 0.05, max_bright_share = 0.05, max_side_difference = 0.25;
  // Background: luminance (0..255) at least, spread (standard deviation) at most, saturation at
  // most (0..1).
  double min_background_luminance = 170, max_background_spread = 14, max_background_saturation = 0.2;
  double min_sharpness = 0.42;  // see capture/face/photo_rules.hpp
};

struct Service {
  std::string id;    // also its message key: "service.<id>"
  std::string kind;  // "visa", "passport", "travel_document"
  std::string visa_category;  // for visas: "L", "diplomatic"...; fingerprint exemptions use it
  // MRZ document codes accepted (a code matches when the zone's code starts with it: "P" takes
  // "P", "PD", "PO"...); empty: any travel document.
  std::vector<std::string> document_codes;
  // The document must stay valid for more than this many months after the application date; no
  // value: an expired document is accepted (a renewal hands in the old passport).
  std::optional<int> min_validity_months = 6;
  std::vector<SupportingDocument> checklist;
  std::string photo_spec;  // a PhotoSpec name
  // On the receipt: the fee due (0: none) in the currency's main unit, and the working days it
  // usually takes until the applicant can collect (0: not said).
  double fee = 0;
  std::string currency = "EUR";  // ISO 4217
  int processing_days = 0;
};

struct ServiceCatalogue {
  int age_of_majority = 18;
  std::vector<FileRule> file_rules;
  std::vector<PhotoSpec> photo_specs;
  std::vector<Service> services;

  const Service* service(std::string_view id) const;
  const FileRule* file_rule(std::string_view name) const;
  const PhotoSpec* photo_spec(std::string_view name) const;
};

// Loads and validates a catalogue: every key known, every file rule a checklist names defined,
// ids unique. Throws ConfigError naming the file and the key.
ServiceCatalogue load_service_catalogue(const std::filesystem::path& file);

}  // namespace kiosk::config
