// Camera scenes made from public-domain portraits that Debian packages ship: the person is cut
// out of the portrait's own background (GrabCut, seeded by where the head and body are known to
// be) and stood in front of the kiosk's camera at a chosen size, place, tilt and light, with the
// faults the photo rules must catch: a coloured or uneven background, a dark or burnt exposure,
// blur, a greyscale or tinted camera, a second face, a face cut off by the frame, a busy room behind
// the person, movement, sunglasses and a high collar.
#pragma once

#include <filesystem>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace kiosk::sim {

// A portrait this generator knows: where its subject's head is, measured once by hand.
struct KnownPortrait {
  std::string name;              // "astronaut", "hopper"
  std::filesystem::path file;    // where the Debian package or tools/fetch-face-source puts it
  double crown_y, chin_y;        // pixel rows of the top of the head (or hat) and the chin
  double face_x;                 // pixel column of the face's middle
  double face_half_width;        // half the face's width at the cheeks, in pixels
  // The line through the pupils, in degrees: positive when the eye on the image's right is lower
  // (as photo_rules measures roll). Neither sitter held her head level.
  double eye_line_deg;
  cv::Point2d pupils[2];         // the image's left one first
};

// Eileen Collins (NASA, python3-skimage's astronaut.png, fetched by tools/fetch-face-source into
// var/public-data/) and Grace Hopper (US Navy, python-matplotlib-data's grace_hopper.jpg).
std::vector<KnownPortrait> known_portraits(const std::filesystem::path& source_dir);

// The portrait as a passport prints it: cut from the original around the head, 35:45, the head
// (crown to chin) three quarters of the height, the original's own background around it (edges
// repeated where the original ends). Throws std::runtime_error when the file is unreadable.
cv::Mat passport_portrait(const KnownPortrait& portrait);

struct PersonCutout {
  cv::Mat bgr;    // the portrait
  cv::Mat alpha;  // CV_32F, 1 on the person, 0 on the portrait's background, soft at the edge
  KnownPortrait where;
};

// Throws std::runtime_error when the portrait is missing or unreadable.
PersonCutout cut_out(const KnownPortrait& portrait);

struct Scene {
  cv::Size frame{1280, 720};
  double head_height_px = 400;         // crown to chin in the frame
  cv::Point2d face_at{0.5, 0.40};      // the face's middle, as a share of the frame's width and height
  double roll_deg = 0;                 // the head's tilt in the frame, as KnownPortrait::eye_line_deg
                                       // (the whole person turned about the face; 0: level eyes)
  cv::Scalar background{246, 246, 246};  // BGR behind the person
  double background_gradient = 0;      // luminance change from left to right edge
  double exposure = 1;                 // gain on the whole frame
  double light_from_left = 0;          // 0..1: the right half of the person darker by this share
  double blur_sigma = 0;
  double noise_sigma = 2;              // sensor noise, as every camera has
  bool grey = false;                   // a camera giving greyscale
  cv::Scalar tint{1, 1, 1};            // per-channel gain (B, G, R): a tinted camera
  bool hair_over_eye = false;          // a lock of dark hair over the eye on the image's left
  bool sunglasses = false;             // dark lenses over both eyes
  // The lenses' size (1: small lenses just over the eyes; ordinary sunglasses, 50-55 mm wide for a
  // 63 mm eye distance, are 1.05-1.2, with a rim and a bridge) and how much light they stop (0..1).
  double sunglasses_size = 1;
  double sunglasses_darkness = 0.92;
  // Not 0: the wall behind is a room's clutter (shelves, books, a poster, a door frame), drawn
  // from this seed, instead of `background`.
  std::uint32_t clutter_seed = 0;
  // The applicant moving while the frame was exposed: a straight smear this many pixels long at
  // this angle (0: sideways) over the person.
  double motion_blur_px = 0;
  double motion_angle_deg = 0;
  // A garment standing up beside the neck (a coat's collar, a hood, a suit's neck ring): 0 none;
  // otherwise how far above the chin its top reaches, as a share of the head's height.
  double collar_rise = 0;
  cv::Scalar collar_colour{50, 45, 40};  // BGR
  // Nothing but background beside the cheeks, from the eyes to below the mouth (hair tied back,
  // ears hidden): where facial symmetry can judge yaw. Neither portrait's hair allows it as taken.
  bool hair_tied_back = false;
  // The head turned about its upright axis, as a cylinder as wide as the face turns: the features
  // move towards one side while the outline stays. Positive: the nose moves to the image's right.
  double yaw_deg = 0;
};

// One camera frame, 8-bit BGR. `second` (another cutout at `second_at`, `second_scale` of the
// first one's size) puts someone else in the picture.
cv::Mat render_scene(const PersonCutout& person, const Scene& scene,
                     const PersonCutout* second = nullptr, cv::Point2d second_at = {0.85, 0.4},
                     double second_scale = 0.8);

// An applicant stepping up to the kiosk's camera, as a script of frames at `fps`: no one there
// (1 s), standing too far back (1 s), off to one side (1 s), moving (blurred, 0.5 s), then standing
// well placed, swaying a little and breathing, until `seconds`. An empty entry is a frame with no
// one in it; `settled` is the index of the first well-placed frame.
struct PhotoSession {
  cv::Size size;
  std::vector<std::optional<Scene>> frames;
  std::size_t settled = 0;
};
PhotoSession photo_session(cv::Size frame, double fps, double seconds);

// Frame `i` of `session` with `person` in it, 8-bit BGR.
cv::Mat render_session_frame(const PersonCutout& person, const PhotoSession& session, std::size_t i);

// Writes `session` as a Motion-JPEG video (sim/media.hpp). Throws std::runtime_error on failure.
void write_photo_session_video(const PersonCutout& person, const PhotoSession& session,
                               const std::filesystem::path& file, double fps);

}  // namespace kiosk::sim
