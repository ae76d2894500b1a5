// Device calibration from technician mode, measured here, saved in the state folder
// (calibration.json) and applied by the drivers (drivers/correction.hpp) to everything the devices
// deliver from then on, across restarts:
// - camera: a white or grey card filling the middle of the picture; the gains that bring its mean
//   to neutral at the card's level (exposure and white balance in one);
// - scanner: a blank white sheet over the glass; a gain per millimetre across the glass that makes
//   the sheet uniformly white (the lamp's fall-off and the sensor line's cells);
// - fingerprint reader: a capture with no finger must be blank (no image within the deadline, or
//   one without ridges); a platen that is not is reported until it passes again.
// A measurement that cannot be trusted is refused with the reason, and the saved calibration stays.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/correction.hpp"
#include "drivers/image.hpp"

namespace kiosk::app {

// Why a calibration was refused: a message id ("calibration.card_not_filling") and the figure.
struct CalibrationRefusal {
  std::string message_id;
  std::string detail;
};

enum class Card { kWhite, kGrey };
std::optional<Card> card_from(std::string_view name);  // "white", "grey"
std::string_view to_string(Card card);

// The middle half of an RGB picture, where the card must be.
struct CardReading {
  double luminance = 0;     // 0..255
  double red_to_green = 0;  // channel means' ratios: 1 and 1 is neutral
  double blue_to_green = 0;
  double spread = 0;   // the luminance's standard deviation over its mean: a card is even
  double clipped = 0;  // share of pixels with a channel at 255
};
CardReading read_card(const cv::Mat& rgb);

struct CameraCalibration {
  Card card = Card::kWhite;
  drivers::ColourGains gains;  // to use from now on (the gains in use when measured, corrected)
  CardReading before;          // the card as the camera gave it
  CardReading after;           // the same frames with the new gains
};

// The level a card should read at: white 230 (below clipping, so a white background stays white
// with room to spare), grey (18 % reflectance) 118.
double card_level(Card card);

// `frames`: RGB pictures of the card taken with `in_use` applied. Averaged before reading.
std::expected<CameraCalibration, CalibrationRefusal> calibrate_camera(
    const std::vector<cv::Mat>& frames, Card card, const drivers::ColourGains& in_use);

struct ScannerCalibration {
  drivers::FlatField field;
  double white_level = 0;        // the sheet's brightest millimetres, grey levels
  double unevenness_before = 0;  // (brightest − darkest) / brightest across the glass, in %
  double unevenness_after = 0;   // the same scan with the new field
};

// `blank`: the whole glass scanned with a blank white sheet on it, with no flat field applied,
// its left edge `left_mm` from the glass's.
std::expected<ScannerCalibration, CalibrationRefusal> calibrate_scanner(const drivers::Image& blank,
                                                                        double left_mm);
// (brightest − darkest) / brightest of the 1 mm column means, in % (the figure above).
double unevenness(const drivers::Image& page);

struct PlatenCheck {
  bool clean = true;
  bool image_seen = false;  // false: the reader saw no finger within the deadline
  double foreground_mm2 = 0;
  int minutiae = 0;
};
// A capture made with no finger on the reader: nothing, or an image without a print in it.
PlatenCheck check_platen(const drivers::Image* capture, double pixels_per_inch, int minutiae);

// calibration.json in the state folder: per device, the last accepted calibration with its figures
// and time. Unreadable or missing: no calibration (the drivers' neutral corrections).
class CalibrationStore {
 public:
  explicit CalibrationStore(std::filesystem::path file);

  drivers::ColourGains camera_gains() const;
  drivers::FlatField flat_field() const;
  bool platen_dirty() const;
  // What is saved, per device, as technician mode shows it (the figures and when, no gain table).
  nlohmann::json shown() const;

  // Each saves durably before it returns; false (and a log line) when the disk refused.
  bool save(const CameraCalibration& c, std::chrono::system_clock::time_point at);
  bool save(const ScannerCalibration& c, std::chrono::system_clock::time_point at);
  bool save(const PlatenCheck& c, std::chrono::system_clock::time_point at);

  // The figures as technician mode shows them (no gain table).
  static nlohmann::json figures(const CameraCalibration& c);
  static nlohmann::json figures(const ScannerCalibration& c);
  static nlohmann::json figures(const PlatenCheck& c);

 private:
  bool write(const std::string& device, nlohmann::json record,
             std::chrono::system_clock::time_point at);

  std::filesystem::path file_;
  nlohmann::json saved_ = nlohmann::json::object();
};

}  // namespace kiosk::app
