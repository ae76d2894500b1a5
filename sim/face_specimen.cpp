// Camera scenes from public-domain portraits: GrabCut cut-outs composed in front of a chosen
// background under a chosen light.
#include "sim/face_specimen.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sim/media.hpp"

namespace kiosk::sim {

std::vector<KnownPortrait> known_portraits(const std::filesystem::path& source_dir) {
  return {
      {"astronaut", source_dir / "astronaut.png", 14, 169, 224, 45, 3.4, {{203.5, 100.5}, {246, 103}}},
      {"hopper", "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg", 28, 322, 264, 98, -2.1,
       {{222.5, 190.5}, {305, 187.5}}},
  };
}

cv::Mat passport_portrait(const KnownPortrait& portrait) {
  const cv::Mat original = cv::imread(portrait.file.string(), cv::IMREAD_COLOR);
  if (original.empty()) throw std::runtime_error(portrait.file.string() + " is missing or not an image");
  const double head = portrait.chin_y - portrait.crown_y;
  const double height = head / 0.75, width = height * 35 / 45;
  // The crown a ninth of the height below the top, as passport photos have it.
  const cv::Rect2d cut(portrait.face_x - width / 2, portrait.crown_y - height / 9, width, height);
  const int pad = static_cast<int>(std::ceil(std::max(width, height)));
  cv::Mat padded;
  cv::copyMakeBorder(original, padded, pad, pad, pad, pad, cv::BORDER_REPLICATE);
  return padded(cv::Rect(cv::Rect2d(cut.x + pad, cut.y + pad, cut.width, cut.height))).clone();
}

PersonCutout cut_out(const KnownPortrait& portrait) {
  PersonCutout out;
  out.where = portrait;
  out.bgr = cv::imread(portrait.file.string(), cv::IMREAD_COLOR);
  if (out.bgr.empty()) {
    throw std::runtime_error("portrait " + portrait.file.string() +
                             " is missing or not an image (tools/bootstrap and tools/fetch-face-source provide them)");
  }
  // Seeds for GrabCut: the portrait's background beside and above the head is surely background,
  // the middle of the face and of the chest surely the person, the rest left for GrabCut to decide.
  const double head = portrait.chin_y - portrait.crown_y, hw = portrait.face_half_width;
  const cv::Point2d centre(portrait.face_x, (portrait.crown_y + portrait.chin_y) / 2);
  const auto at = [&](double x, double y) { return cv::Point(cvRound(x), cvRound(y)); };
  cv::Mat mask(out.bgr.size(), CV_8U, cv::Scalar(cv::GC_PR_BGD));
  const int rows = out.bgr.rows, cols = out.bgr.cols;
  cv::rectangle(mask, cv::Rect(0, 0, cols, std::max(1, cvRound(portrait.crown_y - 6))), cv::GC_BGD, cv::FILLED);
  const int chin = cvRound(portrait.chin_y);
  cv::rectangle(mask, cv::Rect(0, 0, std::max(0, cvRound(portrait.face_x - 1.75 * hw)), chin), cv::GC_BGD, cv::FILLED);
  const int right = cvRound(portrait.face_x + 1.75 * hw);
  if (right < cols) cv::rectangle(mask, cv::Rect(right, 0, cols - right, chin), cv::GC_BGD, cv::FILLED);
  cv::ellipse(mask, at(centre.x, centre.y), at(1.4 * hw, 0.55 * head), 0, 0, 360, cv::GC_PR_FGD, cv::FILLED);
  cv::rectangle(mask, cv::Rect(at(portrait.face_x - 2.2 * hw, portrait.chin_y + 0.2 * head), at(portrait.face_x + 2.2 * hw, rows)),
                cv::GC_PR_FGD, cv::FILLED);
  cv::ellipse(mask, at(centre.x, centre.y + 0.08 * head), at(0.7 * hw, 0.32 * head), 0, 0, 360, cv::GC_FGD, cv::FILLED);
  cv::rectangle(mask, cv::Rect(at(portrait.face_x - 0.5 * hw, portrait.chin_y + 0.3 * head), at(portrait.face_x + 0.5 * hw, rows)),
                cv::GC_FGD, cv::FILLED);
  cv::Mat background_model, foreground_model;
  // GrabCut seeds its colour models from OpenCV's global generator: fix it, so that a portrait is
  // cut out the same whatever ran before in the process.
  cv::theRNG().state = 0x5eed;
  cv::grabCut(out.bgr, mask, {}, background_model, foreground_model, 5, cv::GC_INIT_WITH_MASK);
  cv::Mat person = (mask == cv::GC_FGD) | (mask == cv::GC_PR_FGD);
  // Keep the largest piece only: stray bits of the old background must not come along.
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(person, labels, stats, centroids);
  int largest = 0;
  for (int i = 1; i < n; ++i) {
    if (largest == 0 || stats.at<int>(i, cv::CC_STAT_AREA) > stats.at<int>(largest, cv::CC_STAT_AREA)) largest = i;
  }
  person = labels == largest;
  person.convertTo(out.alpha, CV_32F, 1.0 / 255);
  cv::GaussianBlur(out.alpha, out.alpha, {0, 0}, 1.2);
  return out;
}

namespace {

// The person moved into a frame: face middle at `face_at` (pixels), scaled to `head_height` and
// turned so that the eyes' line lies at `roll_deg`. The portrait's bottom rows are stretched downwards so the body does not
// end in mid-air when the person is small in the frame.
void place(const PersonCutout& person, cv::Size frame, double head_height, cv::Point2d face_at, double roll_deg,
           cv::Mat& bgr, cv::Mat& alpha) {
  const KnownPortrait& p = person.where;
  const int extra = person.bgr.rows;
  cv::Mat tall_bgr, tall_alpha;
  cv::copyMakeBorder(person.bgr, tall_bgr, 0, extra, 0, 0, cv::BORDER_REPLICATE);
  cv::copyMakeBorder(person.alpha, tall_alpha, 0, extra, 0, 0, cv::BORDER_REPLICATE);
  const double scale = head_height / (p.chin_y - p.crown_y);
  const cv::Point2f from(static_cast<float>(p.face_x), static_cast<float>((p.crown_y + p.chin_y) / 2));
  // OpenCV turns anticlockwise as seen, which raises the image's right side: the eye line's angle
  // (y downwards) falls by the turn.
  cv::Mat m = cv::getRotationMatrix2D(from, p.eye_line_deg - roll_deg, scale);
  m.at<double>(0, 2) += face_at.x - from.x;
  m.at<double>(1, 2) += face_at.y - from.y;
  cv::warpAffine(tall_bgr, bgr, m, frame, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::warpAffine(tall_alpha, alpha, m, frame, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
}

// Gaussian sensor noise of `sigma` grey levels on an 8-bit BGR frame, the same for the same seed.
void add_sensor_noise(cv::Mat& frame, double sigma, std::uint64_t seed) {
  if (sigma <= 0) return;
  cv::Mat noise(frame.size(), CV_16SC3);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
  cv::Mat noisy;
  frame.convertTo(noisy, CV_16SC3);
  noisy += noise;
  noisy.convertTo(frame, CV_8UC3);
}

void over(cv::Mat& canvas, const cv::Mat& layer, const cv::Mat& alpha) {
  for (int y = 0; y < canvas.rows; ++y) {
    auto* c = canvas.ptr<cv::Vec3f>(y);
    const auto* l = layer.ptr<cv::Vec3b>(y);
    const auto* a = alpha.ptr<float>(y);
    for (int x = 0; x < canvas.cols; ++x) {
      if (a[x] <= 0) continue;
      c[x] = c[x] * (1 - a[x]) + cv::Vec3f(l[x][0], l[x][1], l[x][2]) * a[x];
    }
  }
}

// The person with a lock of dark brown hair hanging over the eye on the image's left: from above
// the brow to below the eye, soft at its edges.
PersonCutout with_hair_over_eye(const PersonCutout& person) {
  PersonCutout out{person.bgr.clone(), person.alpha.clone(), person.where};
  const cv::Point2d eye = person.where.pupils[0];
  const double apart = cv::norm(person.where.pupils[1] - eye);
  cv::Mat lock(out.bgr.size(), CV_32F, cv::Scalar(0));
  cv::ellipse(lock, cv::Point(cvRound(eye.x), cvRound(eye.y - 0.2 * apart)),
              cv::Size(cvRound(0.3 * apart), cvRound(0.65 * apart)), -25, 0, 360, cv::Scalar(1), cv::FILLED);
  cv::GaussianBlur(lock, lock, {0, 0}, 0.05 * apart);
  const cv::Vec3f hair(35, 45, 60);  // BGR
  for (int y = 0; y < out.bgr.rows; ++y) {
    auto* p = out.bgr.ptr<cv::Vec3b>(y);
    const auto* k = lock.ptr<float>(y);
    for (int x = 0; x < out.bgr.cols; ++x) {
      if (k[x] <= 0) continue;
      const cv::Vec3f mixed = cv::Vec3f(p[x][0], p[x][1], p[x][2]) * (1 - k[x]) + hair * k[x];
      p[x] = cv::Vec3b(cv::saturate_cast<std::uint8_t>(mixed[0]), cv::saturate_cast<std::uint8_t>(mixed[1]),
                       cv::saturate_cast<std::uint8_t>(mixed[2]));
    }
  }
  return out;
}

// The face's outline below the eyes, as a share of the portrait's face_half_width: a little inside
// the cheeks, so that no hair or glasses' arm is left beside them when it is cut to (see
// with_hair_tied_back); a head turns as a cylinder of this radius.
constexpr double kOutline = 0.9;

// Blends `colour` into the person's pixels by `amount` (CV_32F, 0..1).
void tint_where(cv::Mat& bgr, const cv::Mat& amount, const cv::Vec3f& colour) {
  for (int y = 0; y < bgr.rows; ++y) {
    auto* p = bgr.ptr<cv::Vec3b>(y);
    const auto* k = amount.ptr<float>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      if (k[x] <= 0) continue;
      const cv::Vec3f mixed = cv::Vec3f(p[x][0], p[x][1], p[x][2]) * (1 - k[x]) + colour * k[x];
      p[x] = cv::Vec3b(cv::saturate_cast<std::uint8_t>(mixed[0]), cv::saturate_cast<std::uint8_t>(mixed[1]),
                       cv::saturate_cast<std::uint8_t>(mixed[2]));
    }
  }
}

// The person wearing sunglasses: a dark lens over each eye, a little wider than high, soft-edged;
// lenses larger than the eyes' own size (ordinary sunglasses) sit in a dark rim joined by a bridge.
PersonCutout with_sunglasses(const PersonCutout& person, double size, double darkness) {
  PersonCutout out{person.bgr.clone(), person.alpha.clone(), person.where};
  const cv::Point2d* eyes = person.where.pupils;
  const double apart = cv::norm(eyes[1] - eyes[0]);
  const cv::Size lens_size(cvRound(0.36 * size * apart), cvRound(0.28 * size * apart));
  cv::Mat lens(out.bgr.size(), CV_32F, cv::Scalar(0));
  for (int i = 0; i < 2; ++i) {
    cv::ellipse(lens, cv::Point(cvRound(eyes[i].x), cvRound(eyes[i].y)), lens_size, 0, 0, 360,
                cv::Scalar(darkness), cv::FILLED);
  }
  cv::GaussianBlur(lens, lens, {0, 0}, 0.03 * apart);
  tint_where(out.bgr, lens, {25, 22, 20});
  if (size > 1.1) {
    cv::Mat rim(out.bgr.size(), CV_32F, cv::Scalar(0));
    const int thick = std::max(2, cvRound(0.04 * apart));
    for (int i = 0; i < 2; ++i) {
      cv::ellipse(rim, cv::Point(cvRound(eyes[i].x), cvRound(eyes[i].y)), lens_size, 0, 0, 360, cv::Scalar(1), thick);
    }
    const cv::Point2d mid = (eyes[0] + eyes[1]) / 2;
    cv::line(rim, cv::Point(cvRound(mid.x - 0.2 * apart), cvRound(mid.y - 0.1 * apart)),
             cv::Point(cvRound(mid.x + 0.2 * apart), cvRound(mid.y - 0.1 * apart)), cv::Scalar(1), thick);
    cv::GaussianBlur(rim, rim, {0, 0}, 0.01 * apart + 0.5);
    tint_where(out.bgr, rim, {15, 15, 18});
  }
  return out;
}

// The person in a garment whose collar stands up beside the neck to `rise` of the head's height
// above the chin, sloping down to the shoulders; the face in front of it.
PersonCutout with_collar(const PersonCutout& person, double rise, const cv::Scalar& colour) {
  PersonCutout out{person.bgr.clone(), person.alpha.clone(), person.where};
  const KnownPortrait& p = person.where;
  const double head = p.chin_y - p.crown_y, hw = p.face_half_width;
  const double top = p.chin_y - rise * head, bottom = p.chin_y + 0.45 * head;
  cv::Mat collar(out.bgr.size(), CV_8U, cv::Scalar(0));
  for (const double side : {-1.0, 1.0}) {
    const auto at = [&](double u, double y) { return cv::Point(cvRound(p.face_x + side * u * hw), cvRound(y)); };
    const cv::Point shape[] = {at(0.7, top), at(1.5, top + 0.12 * head), at(2.4, bottom), at(0.45, bottom)};
    cv::fillConvexPoly(collar, shape, 4, cv::Scalar(255));
  }
  // The jaw stays in front: nothing of the collar inside the face's outline from the eyes down.
  const double eye_y = (p.pupils[0].y + p.pupils[1].y) / 2;
  cv::ellipse(collar, cv::Point(cvRound(p.face_x), cvRound(eye_y)),
              cv::Size(cvRound(kOutline * hw), cvRound(p.chin_y - eye_y)), 0, 0, 180, cv::Scalar(0), cv::FILLED);
  cv::Mat weave(out.bgr.size(), CV_32F);
  cv::RNG rng(0xc011a);
  rng.fill(weave, cv::RNG::NORMAL, 0, 6);
  for (int y = 0; y < out.bgr.rows; ++y) {
    auto* b = out.bgr.ptr<cv::Vec3b>(y);
    auto* a = out.alpha.ptr<float>(y);
    const auto* c = collar.ptr<std::uint8_t>(y);
    const auto* w = weave.ptr<float>(y);
    for (int x = 0; x < out.bgr.cols; ++x) {
      if (!c[x]) continue;
      for (int k = 0; k < 3; ++k) b[x][k] = cv::saturate_cast<std::uint8_t>(colour[k] + w[x]);
      a[x] = 1;
    }
  }
  return out;
}

// A room behind the person: a wall of a middling colour, shelves of books, a poster and a door
// frame, all drawn from `seed`.
void draw_clutter(cv::Mat& canvas, std::uint32_t seed) {
  cv::RNG rng(seed);
  const int w = canvas.cols, h = canvas.rows;
  const auto colour = [&](int low, int high) {
    return cv::Scalar(rng.uniform(low, high), rng.uniform(low, high), rng.uniform(low, high));
  };
  canvas.setTo(colour(120, 210));
  // Shelves with books across part of the wall.
  const int shelf_left = rng.uniform(0, w / 3), shelf_right = rng.uniform(2 * w / 3, w);
  for (int y = rng.uniform(0, h / 8); y < h; y += rng.uniform(h / 6, h / 4)) {
    const int shelf_h = std::max(2, h / 60);
    cv::rectangle(canvas, cv::Rect(shelf_left, y, shelf_right - shelf_left, shelf_h), colour(40, 110), cv::FILLED);
    for (int x = shelf_left; x < shelf_right;) {
      const int book_w = rng.uniform(w / 90 + 2, w / 35 + 4), book_h = rng.uniform(h / 14, h / 7);
      cv::rectangle(canvas, cv::Rect(x, y - book_h, book_w, book_h), colour(20, 240), cv::FILLED);
      x += book_w + rng.uniform(0, 3);
    }
  }
  // A poster and a door frame.
  const cv::Point poster(rng.uniform(0, w * 3 / 4), rng.uniform(0, h / 2));
  cv::rectangle(canvas, cv::Rect(poster, cv::Size(w / 5, h / 4)), colour(0, 255), cv::FILLED);
  cv::circle(canvas, poster + cv::Point(w / 10, h / 8), h / 14, colour(0, 255), cv::FILLED);
  const int door = rng.uniform(0, w);
  cv::rectangle(canvas, cv::Rect(door, 0, std::max(3, w / 60), h), colour(30, 90), cv::FILLED);
}

// The person with nothing beside the face from the eye line down to the chin: the face's outline
// there taken as half an ellipse, kOutline of the face's width at the eyes and reaching the chin.
PersonCutout with_hair_tied_back(const PersonCutout& person) {
  PersonCutout out{person.bgr, person.alpha.clone(), person.where};
  const KnownPortrait& p = person.where;
  const double eye_y = (p.pupils[0].y + p.pupils[1].y) / 2, down = p.chin_y - eye_y;
  for (int y = std::max(0, cvRound(eye_y)); y < std::min(out.alpha.rows, cvRound(p.chin_y)); ++y) {
    const double v = (y - eye_y) / down;
    const double half = kOutline * p.face_half_width * std::sqrt(std::max(0.0, 1 - v * v));
    auto* a = out.alpha.ptr<float>(y);
    for (int x = 0; x < out.alpha.cols; ++x) {
      // Soft over a pixel and a half, as the cut-out's own edge is.
      const double outside = std::abs(x - p.face_x) - half;
      a[x] *= static_cast<float>(std::clamp(0.5 - outside / 1.5, 0.0, 1.0));
    }
  }
  return out;
}

// The person's head turned by `yaw_deg` as a cylinder of the face outline's half width turns: a
// point at angle t on it (x = r sin t from the face's middle) moves to r sin(t + yaw); beyond the
// cylinder nothing moves.
PersonCutout with_head_turned(const PersonCutout& person, double yaw_deg) {
  const KnownPortrait& p = person.where;
  const double r = kOutline * p.face_half_width, turn = yaw_deg * std::numbers::pi / 180;
  cv::Mat map_x(person.bgr.size(), CV_32F), map_y(person.bgr.size(), CV_32F);
  for (int y = 0; y < map_x.rows; ++y) {
    auto* mx = map_x.ptr<float>(y);
    auto* my = map_y.ptr<float>(y);
    for (int x = 0; x < map_x.cols; ++x) {
      const double u = (x - p.face_x) / r;
      mx[x] = static_cast<float>(std::abs(u) < 1 ? p.face_x + r * std::sin(std::asin(u) - turn) : x);
      my[x] = static_cast<float>(y);
    }
  }
  PersonCutout out{{}, {}, p};
  cv::remap(person.bgr, out.bgr, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::remap(person.alpha, out.alpha, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  return out;
}

}  // namespace

cv::Mat render_scene(const PersonCutout& person, const Scene& scene, const PersonCutout* second,
                     cv::Point2d second_at, double second_scale) {
  const cv::Size size = scene.frame;
  cv::Mat canvas(size, CV_32FC3);
  for (int x = 0; x < size.width; ++x) {
    const double shift = scene.background_gradient * (static_cast<double>(x) / size.width - 0.5);
    const cv::Scalar c = scene.background + cv::Scalar::all(shift);
    canvas.col(x).setTo(c);
  }
  if (scene.clutter_seed != 0) draw_clutter(canvas, scene.clutter_seed);
  cv::Mat bgr, alpha;
  if (second != nullptr) {
    place(*second, size, scene.head_height_px * second_scale,
          {second_at.x * size.width, second_at.y * size.height}, second->where.eye_line_deg, bgr, alpha);
    over(canvas, bgr, alpha);
  }
  const cv::Point2d face(scene.face_at.x * size.width, scene.face_at.y * size.height);
  PersonCutout changed = person;
  if (scene.hair_over_eye) changed = with_hair_over_eye(changed);
  if (scene.sunglasses) changed = with_sunglasses(changed, scene.sunglasses_size, scene.sunglasses_darkness);
  if (scene.collar_rise > 0) changed = with_collar(changed, scene.collar_rise, scene.collar_colour);
  if (scene.yaw_deg != 0) changed = with_head_turned(changed, scene.yaw_deg);
  // After the turn: a turned head's outline is its silhouette, where it was.
  if (scene.hair_tied_back) changed = with_hair_tied_back(changed);
  place(changed, size, scene.head_height_px, face, scene.roll_deg, bgr, alpha);
  if (scene.light_from_left > 0) {
    // The far side of the face in shadow: a ramp across the face's width.
    const double half = person.where.face_half_width * scene.head_height_px /
                        (person.where.chin_y - person.where.crown_y);
    cv::Mat lit;
    bgr.convertTo(lit, CV_32FC3);
    for (int x = 0; x < size.width; ++x) {
      const double t = std::clamp((x - (face.x - half)) / (2 * half), 0.0, 1.0);
      lit.col(x) *= 1 - scene.light_from_left * t;
    }
    lit.convertTo(bgr, CV_8UC3);
  }
  over(canvas, bgr, alpha);
  cv::Mat frame;
  canvas.convertTo(frame, CV_8UC3, scene.exposure);
  if (scene.tint != cv::Scalar(1, 1, 1)) cv::multiply(frame, scene.tint, frame);
  if (scene.blur_sigma > 0) cv::GaussianBlur(frame, frame, {0, 0}, scene.blur_sigma);
  if (scene.motion_blur_px >= 2) {
    // A straight smear: the mean along a line of that length through each pixel.
    const int n = static_cast<int>(std::ceil(scene.motion_blur_px)) | 1;
    cv::Mat kernel(n, n, CV_32F, cv::Scalar(0));
    const double t = scene.motion_angle_deg * std::numbers::pi / 180, r = scene.motion_blur_px / 2;
    const cv::Point2d c(n / 2.0, n / 2.0), along(std::cos(t) * r, std::sin(t) * r);
    const auto fixed = [](cv::Point2d q) { return cv::Point(cvRound(q.x * 16), cvRound(q.y * 16)); };
    cv::line(kernel, fixed(c - along), fixed(c + along), cv::Scalar(1), 1, cv::LINE_AA, 4);
    kernel /= cv::sum(kernel)[0];
    cv::filter2D(frame, frame, -1, kernel, {-1, -1}, 0, cv::BORDER_REPLICATE);
  }
  add_sensor_noise(frame, scene.noise_sigma, 0x5eed);
  if (scene.grey) {
    cv::cvtColor(frame, frame, cv::COLOR_BGR2GRAY);
    cv::cvtColor(frame, frame, cv::COLOR_GRAY2BGR);
  }
  return frame;
}

PhotoSession photo_session(cv::Size frame, double fps, double seconds) {
  PhotoSession session;
  session.size = frame;
  const auto count = static_cast<std::size_t>(std::max(1.0, std::round(fps * seconds)));
  const double scale = frame.height / 720.0;  // the scenes are laid out for a 720-row frame
  for (std::size_t i = 0; i < count; ++i) {
    const double t = static_cast<double>(i) / fps;
    if (t < 1) {
      session.frames.emplace_back();
      continue;
    }
    Scene s;
    s.frame = frame;
    s.head_height_px = 380 * scale;
    if (t < 2) {
      s.head_height_px = 250 * scale;  // too far back
    } else if (t < 3) {
      s.face_at.x = 0.13;  // off to one side
    } else if (t < 3.5) {
      s.blur_sigma = 3 * scale;  // still moving
    } else {
      if (session.settled == 0) session.settled = i;
      // Swaying a few pixels and breathing a percent, as a person standing still does.
      s.face_at = {0.5 + 0.005 * std::sin(2 * std::numbers::pi * 0.2 * t),
                   0.40 + 0.004 * std::sin(2 * std::numbers::pi * 0.25 * t + 1)};
      s.head_height_px *= 1 + 0.01 * std::sin(2 * std::numbers::pi * 0.3 * t);
    }
    session.frames.emplace_back(s);
  }
  return session;
}

cv::Mat render_session_frame(const PersonCutout& person, const PhotoSession& session, std::size_t i) {
  const auto& scene = session.frames.at(i);
  if (scene) return render_scene(person, *scene);
  // No one there: the kiosk's plain background, with the camera's noise.
  const Scene empty;
  cv::Mat frame(session.size, CV_8UC3, empty.background);
  add_sensor_noise(frame, empty.noise_sigma, 0x5eed + static_cast<std::uint64_t>(i));
  return frame;
}

void write_photo_session_video(const PersonCutout& person, const PhotoSession& session,
                               const std::filesystem::path& file, double fps) {
  write_mjpeg_video(file, static_cast<int>(session.frames.size()), fps,
                    [&](int i) { return render_session_frame(person, session, static_cast<std::size_t>(i)); });
}

}  // namespace kiosk::sim
