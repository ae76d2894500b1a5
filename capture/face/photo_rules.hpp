// The photo rules of a service, applied to a camera frame (where would the photo be cut, and is
// every rule met there?) or to a finished photo (is it compliant as it is?). Every rule gives its
// measured value, its limit and a verdict; a camera frame also gets the one instruction the
// applicant should follow first.
//
// How each figure is measured:
// - faces and eyes: capture/face/face_detector.hpp. Without eyes the eye line is guessed from the
//   face box; a face inside the frame is then asked to show its eyes ("eyes not visible") before
//   it is moved by the guessed cut, a face running off the frame is moved first.
// - roll: the angle of the line through the pupils (within about a degree on our scenes).
// - eye visibility: about each pupil, the brightest tenth of the luminance (an open eye's white)
//   over the face's mean luminance, the lesser eye's; below 0.5 the eyes are behind dark lenses
//   (0.23-0.26 on our scenes, open eyes 0.79-0.98) and the applicant is asked to show them.
// - yaw: facial symmetry, at the image's full resolution. The face's edges on three rows under the
//   eyes are where the background begins, looked for 0.6 to 1.5 eye distances out; on a head seen
//   as a cylinder of the face's half width r, the eyes' midpoint sits r·cos(φ)·sin(yaw) from the
//   edges' midpoint (sin φ = half the eye distance over r). Not judged when an edge is not found,
//   when what lies just inside an edge is not skin by its chroma (an ear, hair or a glasses' arm
//   moves one edge only and would read as a turn; shading on the cheek changes only lightness),
//   or when the three rows disagree by more than 4°. On heads turned 6° and 12° either way (the
//   simulation turns a portrait as a cylinder, hair tied back) it measures within 1.5°; on our
//   portraits as taken (hair, glasses' arms beside the cheeks) it is never judged.
// - crown: going up from the forehead, the first row where the pixels above the eyes look like the
//   background (colour distance in Lab from the background's median, taken from the top strip and
//   the upper side strips of the image). A crown at the image's top edge is "cut off".
// - chin: below the eye line by 1.5 eye distances, averaged with the bottom of the face box: the
//   cascades put both within about 5 % of the chins of the portraits we have.
// - head width: 0.87 of the face box's width (the cheeks, not the hair), calibrated likewise.
// - background: the pixels of the photo above the chin and above the jaw line (from the chin up to
//   the ear lobes, level with them beyond: a collar or hood beside the neck is clothing, not
//   background) outside an ellipse round the head: luminance (mean), spread (standard deviation
//   of luminance: shadows, gradients, objects) and saturation (mean, HSV).
// - background clutter: about the head (three eye distances above and to the sides, down to a
//   third below the eyes), outside an ellipse holding the head and hair, the share of pixels
//   unlike their median colour in Lab: a room behind the person (shelves, a poster, a door).
// - exposure: on an ellipse inside the face, less the band from the brows to below the eyes (dark
//   lenses are not the light's fault), the mean luminance (80..225), the share of pixels
//   below luminance 35 (crushed) and above 245 (burnt), and the difference between the mean
//   luminance of the two cheeks (discs half an eye distance out from under each eye) over the
//   brighter one: side light shows most there.
// - sharpness: 1 − the blur measure of Crété-Roffet et al. (2007, "The blur effect") on the face
//   scaled to 64 pixels between the eyes: how much of the face's pixel-to-pixel variation survives
//   a further 9-pixel blur, in the most blurred of four directions (across, down, both diagonals).
//   0.49-0.63 for the sharp faces of our tests, 0.30-0.36 after a 3-pixel Gaussian blur; the
//   default limit is 0.42.
// - motion blur: the blur measure's most blurred direction less its least blurred one: movement
//   smears one way only. 0.05-0.07 on sharp faces, 0.1 and more once the face has moved by a
//   twentieth of its eye distance while the frame was taken; the limit is 0.085.
// - colour: the face's chroma (a greyscale camera gives about 0) and the hue of its mean colour in
//   Lab (skin lies between about 20° and 80°; a tinted camera moves it out).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "capture/face/face_detector.hpp"
#include "config/services.hpp"

namespace kiosk::face {

// What the applicant is asked to do, one at a time: the order in which they are said, and why, is
// written at guidance_for in photo_rules.cpp (each is the one that fixes the frame first, and a
// measure that an earlier fault spoils is not spoken for it). kTakePhoto: every rule holds.
// kCameraColour and kCannotFrame are not the applicant's to fix: the kiosk calls for help.
enum class Guidance {
  kNoFace,
  kMoreThanOneFace,
  kComeCloser,
  kMoveBack,
  kMoveLeft,   // the applicant's own left: the camera sees the face too near the image's left edge
  kMoveRight,
  kMoveUp,
  kMoveDown,
  kEyesNotVisible,
  kStraightenHead,
  kLookStraight,
  kCannotFrame,  // head size, width or eye line cannot all be met in one cut: staff help
  kTooDark,
  kTooBright,
  kUnevenLight,
  kBackgroundNotPlain,
  kBackgroundNotWhite,
  kBackgroundNotLight,
  kHoldStill,
  kCameraColour,
  kTakePhoto,
};

// The message key of an instruction in the UI's catalogues: "photo.no_face", "photo.move_left"...
std::string_view guidance_id(Guidance g);

struct RuleCheck {
  std::string id;       // "roll_deg", "background_luminance"...
  double value = 0;     // as measured (NaN when not judged)
  double low = 0, high = 0;  // the range it must fall in (high: +infinity when unbounded)
  bool judged = true;   // false: could not be measured here (the verdict is then a pass)
  bool passed = true;
};

// Where the photo is cut from the image: a rectangle turned by `angle_deg` (the head's roll, so
// the finished photo has level eyes) about its centre, in the image's pixels.
struct Crop {
  cv::Point2d centre;
  cv::Size2d size;
  double angle_deg = 0;
  double scale = 1;  // finished photo pixels per image pixel

  // Image pixels to the finished photo's pixels: turned about the centre by the angle, scaled,
  // and moved to the photo's centre.
  cv::Matx23d to_photo() const;
};

enum class Framing {
  kCameraFrame,    // the photo is still to be cut from the frame
  kFinishedPhoto,  // the image is the photo: judged as it is
};

struct PhotoAnalysis {
  int faces = 0;
  std::optional<FoundFace> face;
  Crop crop;
  std::vector<RuleCheck> rules;
  Guidance guidance = Guidance::kNoFace;
  double sharpness = 0;  // for picking the best of several passing frames
  double lit_side_luminance = 0;  // the brighter cheek's mean luminance (is side light uneven or too little?)

  bool passed() const { return guidance == Guidance::kTakePhoto; }
  const RuleCheck* rule(std::string_view id) const;
};

// Applies `spec` to `image` (8-bit BGR). On a 1280 x 720 frame, one core: about 15 ms for a live
// camera's next frame, 21 ms for a frame alone (tests/bench/face_bench).
PhotoAnalysis analyse_photo(const cv::Mat& image, const config::PhotoSpec& spec, FaceDetector& detector,
                            Framing framing = Framing::kCameraFrame);

// The photo cut from `image` where `analysis` put it, at the spec's pixel size. Empty when the
// analysis found no face.
cv::Mat cut_photo(const cv::Mat& image, const PhotoAnalysis& analysis, const config::PhotoSpec& spec);

}  // namespace kiosk::face
