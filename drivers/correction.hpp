// Corrections that a technician's calibration (kiosk/technician/calibration.hpp) gives a device,
// applied by its driver to everything the device delivers, so every consumer sees the same
// corrected images.
#pragma once

#include <vector>

#include "drivers/image.hpp"

namespace kiosk::drivers {

// Per-channel gains that bring a white or grey card to neutral at its target level: the camera's
// exposure and white balance as the kiosk's light needs them.
struct ColourGains {
  double red = 1.0;
  double green = 1.0;
  double blue = 1.0;

  bool neutral() const { return red == 1.0 && green == 1.0 && blue == 1.0; }
};

// Multiplies an RGB image's channels by `gains`, saturating at 255. Grey images are left alone.
void apply(const ColourGains& gains, Image& rgb);

// A scanner's flat field: a gain for every step across the glass (the direction of the sensor
// line, where the lamp and the sensor's cells differ), measured on a blank white sheet.
struct FlatField {
  double step_mm = 1.0;     // gain[i] is for the i-th step: it applies at (i + ½) × step_mm
  std::vector<float> gain;  // empty: no correction

  bool empty() const { return gain.empty(); }
  // The gain at `mm` from the glass's left edge, interpolated; the end gains beyond the ends.
  double gain_at(double mm) const;
};

// Corrects a scanned page whose left edge lies `left_mm` from the glass's left edge, at the page's
// pixels_per_inch. A page whose resolution is unknown is left alone.
void apply(const FlatField& field, double left_mm, Image& page);

}  // namespace kiosk::drivers
