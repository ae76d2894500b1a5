// Synthetic passport data pages; see passport_specimen.hpp.
#include "sim/passport_specimen.hpp"

#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

#include <opencv2/freetype.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

namespace kiosk::sim {
namespace {

using namespace std::chrono;

constexpr double kPxPerMm = kSpecimenDpi / 25.4;
constexpr int px(double mm) { return static_cast<int>(mm * kPxPerMm + 0.5); }

// Names of several origins and lengths, long ones among them so that some zones are cut.
constexpr std::array<const char*, 16> kSurnames = {
    "ERIKSSON", "OKONKWO", "NGUYEN", "GARCIA LOPEZ", "MUELLER", "WANG", "AL-RASHID", "KOWALSKA",
    "VAN DER STEENHOVEN-BERGHEKAMP", "IVANOVA", "SANTOS DA SILVA", "O'BRIEN", "TANAKA",
    "MOHAMMADI", "DE LA CRUZ FERNANDEZ DE CORDOBA", "LI"};
constexpr std::array<const char*, 16> kGivenNames = {
    "ANNA MARIA", "CHUKWUEMEKA", "THI LAN", "JOSE", "HANS PETER", "XIAOMING", "FATIMA", "ZOFIA",
    "ALEXANDRA MAXIMILIANA JOSEPHINE", "OLGA", "JOAO", "SIOBHAN", "HIROSHI", "REZA",
    "MARIA DEL CARMEN", "NA"};
constexpr std::array<const char*, 10> kStates = {"UTO", "D", "FRA", "CHN", "NGA", "BRA", "IND",
                                                 "IRN", "RUS", "GBR"};

// Issuers differ: two letters and seven digits, letters and digits anywhere (8 beside S, 0 beside
// O), or a shorter number that leaves filler.
std::string random_document_number(std::mt19937& rng) {
  constexpr std::string_view kLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";
  constexpr std::string_view kAny = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string n;
  switch (rng() % 4) {
    case 0:
      for (int i = 0; i < 9; ++i) n += kAny[rng() % kAny.size()];
      break;
    case 1:
      for (int i = 0; i < 8; ++i) n += static_cast<char>(i < 1 ? kLetters[rng() % kLetters.size()] : '0' + rng() % 10);
      break;
    default:
      n = {kLetters[rng() % kLetters.size()], kLetters[rng() % kLetters.size()]};
      for (int i = 0; i < 7; ++i) n += static_cast<char>('0' + rng() % 10);
  }
  return n;
}

std::string date_text(year_month_day d) {
  static constexpr std::array<const char*, 12> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  char text[32];
  std::snprintf(text, sizeof text, "%02u %s %04d", static_cast<unsigned>(d.day()),
                kMonths[static_cast<unsigned>(d.month()) - 1], static_cast<int>(d.year()));
  return text;
}

}  // namespace

cv::Ptr<cv::freetype::FreeType2> load_font(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    throw std::runtime_error("font " + file.string() + " is missing (tools/bootstrap installs it)");
  }
  auto font = cv::freetype::createFreeType2();
  font->loadFontData(file.string(), 0);
  return font;
}

void apply_scan_defects(cv::Mat& page, const ScanDefects& d, std::mt19937& rng) {
  if (d.tilt_deg != 0) {
    // The page's corners turned in space about the axis through its centre, then projected from
    // 40 cm with the scale at the centre kept; the lid's white where the page no longer reaches.
    constexpr double kDistance = 400 * kPxPerMm;
    const double axis = d.tilt_axis_deg * std::numbers::pi / 180, tilt = d.tilt_deg * std::numbers::pi / 180;
    const cv::Vec3d u(std::sin(axis), std::cos(axis), 0);  // the axis, in the page
    const cv::Matx33d turn = [&] {
      cv::Matx33d r;
      cv::Rodrigues(u * tilt, r);
      return r;
    }();
    std::vector<cv::Point2f> from, to;
    for (const cv::Point2f corner : {cv::Point2f(0, 0), cv::Point2f(static_cast<float>(page.cols), 0),
                                     cv::Point2f(static_cast<float>(page.cols), static_cast<float>(page.rows)),
                                     cv::Point2f(0, static_cast<float>(page.rows))}) {
      const cv::Vec3d p = turn * cv::Vec3d(corner.x - page.cols / 2.0, corner.y - page.rows / 2.0, 0);
      const double k = kDistance / (kDistance + p[2]);
      from.push_back(corner);
      to.emplace_back(static_cast<float>(p[0] * k), static_cast<float>(p[1] * k));
    }
    const cv::Rect bounds = cv::boundingRect(to);
    for (auto& q : to) q -= cv::Point2f(static_cast<float>(bounds.x), static_cast<float>(bounds.y));
    cv::Mat seen;
    cv::warpPerspective(page, seen, cv::getPerspectiveTransform(from, to), bounds.size(), cv::INTER_LINEAR,
                        cv::BORDER_CONSTANT, cv::Scalar(246, 247, 248));
    page = seen;
  }
  if (d.whole_platen) {
    // The lid's white around the page, which lies anywhere on the glass, turned about its centre.
    cv::Mat glass(px(297), px(216), CV_8UC3, cv::Scalar(246, 247, 248));
    const double diagonal = std::hypot(page.cols, page.rows);
    const cv::Point2f centre(
        static_cast<float>(diagonal / 2 + (glass.cols - diagonal) * (rng() % 1000) / 1000.0),
        static_cast<float>(diagonal / 2 + (glass.rows - diagonal) * (rng() % 1000) / 1000.0));
    cv::Mat turn = cv::getRotationMatrix2D(cv::Point2f(page.cols / 2.0f, page.rows / 2.0f), d.rotation_deg, 1.0);
    turn.at<double>(0, 2) += centre.x - page.cols / 2.0;
    turn.at<double>(1, 2) += centre.y - page.rows / 2.0;
    cv::warpAffine(page, glass, turn, glass.size(), cv::INTER_LINEAR, cv::BORDER_TRANSPARENT);
    page = glass;
  } else if (d.rotation_deg != 0) {
    // Cropped by the scanner to the turned page's bounds, the lid's white in the corners.
    const cv::Point2f centre(page.cols / 2.0f, page.rows / 2.0f);
    const cv::Rect bounds = cv::RotatedRect(centre, cv::Size2f(page.size()), static_cast<float>(d.rotation_deg)).boundingRect();
    cv::Mat turn = cv::getRotationMatrix2D(centre, d.rotation_deg, 1.0);
    turn.at<double>(0, 2) += bounds.width / 2.0 - centre.x;
    turn.at<double>(1, 2) += bounds.height / 2.0 - centre.y;
    cv::warpAffine(page, page, turn, bounds.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar(246, 247, 248));
  }
  if (d.uneven_light > 0) {
    // Darker towards the far corner: light = 1 - u·(x/w + y/h)/2, applied to every channel.
    cv::Mat across(1, page.cols, CV_32F), down(page.rows, 1, CV_32F);
    for (int x = 0; x < page.cols; ++x) across.at<float>(0, x) = static_cast<float>(x) / page.cols;
    for (int y = 0; y < page.rows; ++y) down.at<float>(y, 0) = static_cast<float>(y) / page.rows;
    cv::Mat light = cv::repeat(across, page.rows, 1) + cv::repeat(down, 1, page.cols);
    light = 1.0 - light * (d.uneven_light / 2);
    cv::Mat light3;
    cv::merge(std::vector<cv::Mat>{light, light, light}, light3);
    cv::multiply(page, light3, page, 1.0, CV_8UC3);
  }
  if (d.blur_sigma > 0) cv::GaussianBlur(page, page, cv::Size(0, 0), d.blur_sigma);
  if (d.noise_sigma > 0) {
    cv::Mat noise(page.size(), CV_16SC3);
    cv::RNG(static_cast<std::uint64_t>(rng())).fill(noise, cv::RNG::NORMAL, 0, d.noise_sigma);
    cv::Mat wide;
    page.convertTo(wide, CV_16SC3);
    wide += noise;
    wide.convertTo(page, CV_8UC3);
  }
  if (d.jpeg_quality > 0) {
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", page, jpeg, {cv::IMWRITE_JPEG_QUALITY, d.jpeg_quality});
    page = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  }
  if (d.upside_down) cv::rotate(page, page, cv::ROTATE_180);
}

Specimen render_specimen(document::MrzFormat format, std::uint32_t seed, const cv::Mat& portrait,
                         const ScanDefects& defects, const SpecimenFonts& fonts) {
  using document::MrzFormat;
  std::mt19937 rng(seed);
  Specimen s;
  document::MrzFields& f = s.fields;
  f.format = format;
  f.document_code = format == MrzFormat::kTd3 ? "P" : format == MrzFormat::kTd2 ? "I" : "ID";
  f.issuing_state = kStates[rng() % kStates.size()];
  f.nationality = rng() % 4 == 0 ? kStates[rng() % kStates.size()] : f.issuing_state;
  f.surname = kSurnames[rng() % kSurnames.size()];
  f.given_names = kGivenNames[rng() % kGivenNames.size()];
  f.document_number = random_document_number(rng);
  f.sex = rng() % 2 ? "F" : "M";
  f.date_of_birth = year(1940 + static_cast<int>(rng() % 80)) / month(1 + rng() % 12) / day(1 + rng() % 28);
  const year_month_day issued = year(2017 + static_cast<int>(rng() % 9)) / month(1 + rng() % 12) /
                                day(1 + rng() % 28);
  f.date_of_expiry = year_month_day(issued.year() + years(10), issued.month(), issued.day());
  auto lines = document::compose_mrz(f);
  if (!lines) throw std::runtime_error("specimen: " + lines.error());
  s.mrz = *lines;
  const int cells = static_cast<int>(s.mrz.front().size()), rows = static_cast<int>(s.mrz.size());

  // The document's size (ICAO 9303 part 4, 5, 6), and how its printed fields shrink from the
  // passport's layout to fit above a zone of its lines.
  const double width_mm = format == MrzFormat::kTd3 ? 125 : format == MrzFormat::kTd2 ? 105 : 85.6;
  const double height_mm = format == MrzFormat::kTd3 ? 88 : format == MrzFormat::kTd2 ? 74 : 53.98;
  const double zone_mm = 3.8 + 4.2 * (rows - 1) + 3.2 + 2;  // bottom edge to the top of the zone
  const double kx = width_mm / 125, ky = std::min(1.0, (height_mm - zone_mm - 2) / 62.0), k = std::min(kx, ky);
  const auto at = [&](double x_mm, double y_mm) { return cv::Point(px(x_mm * kx), px(y_mm * ky)); };

  // The page: pale security background, fine guilloche lines.
  s.page = cv::Mat(px(height_mm), px(width_mm), CV_8UC3, cv::Scalar(236, 241, 244));
  for (int i = 0; i < 40; ++i) {
    std::vector<cv::Point> wave;
    for (int x = 0; x < s.page.cols; x += 6) {
      wave.emplace_back(x, static_cast<int>(i * 22 + 14 * std::sin(x / 45.0 + i)));
    }
    cv::polylines(s.page, wave, false, cv::Scalar(220, 228, 236), 1, cv::LINE_AA);
  }
  auto text = load_font(fonts.text);
  auto ocr_b = load_font(fonts.ocr_b);

  s.portrait_box = cv::Rect(at(5, 17), cv::Size(px(32 * k), px(42 * k)));
  if (!portrait.empty()) {
    // Cropped to the box's proportions around the middle, then scaled: never squashed.
    const double aspect = static_cast<double>(s.portrait_box.width) / s.portrait_box.height;
    cv::Rect crop(0, 0, portrait.cols, portrait.rows);
    if (static_cast<double>(portrait.cols) / portrait.rows > aspect) {
      crop.width = static_cast<int>(portrait.rows * aspect);
      crop.x = (portrait.cols - crop.width) / 2;
    } else {
      crop.height = static_cast<int>(portrait.cols / aspect);
      crop.y = (portrait.rows - crop.height) / 2;
    }
    cv::Mat scaled;
    cv::resize(portrait(crop), scaled, s.portrait_box.size(), 0, 0, cv::INTER_AREA);
    scaled.copyTo(s.page(s.portrait_box));
  } else {
    s.page(s.portrait_box).setTo(cv::Scalar(200, 200, 200));
    cv::ellipse(s.page, (s.portrait_box.tl() + s.portrait_box.br()) / 2, {px(10 * k), px(13 * k)}, 0, 0, 360,
                cv::Scalar(120, 120, 120), cv::FILLED, cv::LINE_AA);
  }

  const cv::Scalar ink(40, 30, 30), label(110, 100, 90);
  const auto field = [&](const std::string& caption, const std::string& value, double x_mm, double y_mm) {
    text->putText(s.page, caption, at(x_mm, y_mm), px(1.6 * k), label, cv::FILLED, cv::LINE_AA, false);
    text->putText(s.page, value, at(x_mm, y_mm + 4.2), px(2.6 * k), ink, cv::FILLED, cv::LINE_AA, false);
  };
  const char* title = format == MrzFormat::kTd3 ? "PASSPORT / PASSEPORT"
                      : format == MrzFormat::kTd2 ? "RESIDENCE PERMIT / TITRE DE SEJOUR"
                                                  : "IDENTITY CARD / CARTE D'IDENTITE";
  text->putText(s.page, title, at(42, 8), px(3.2 * k), ink, cv::FILLED, cv::LINE_AA, false);
  field("Type", f.document_code, 42, 14);
  field("Code", f.issuing_state, 55, 14);
  field(format == MrzFormat::kTd3 ? "Passport No." : "Document No.", f.document_number, 80, 14);
  field("Surname", f.surname, 42, 22);
  field("Given names", f.given_names, 42, 30);
  field("Nationality", f.nationality, 42, 38);
  field("Date of birth", date_text(f.date_of_birth), 42, 46);
  field("Sex", f.sex, 90, 46);
  field("Date of issue", date_text(issued), 42, 54);
  field("Date of expiry", date_text(f.date_of_expiry), 80, 54);

  // The zone: 2.54 mm per character, drawn one by one so the pitch is exact whatever the
  // font's advance; the last baseline 3.8 mm above the bottom edge, the others 4.2 mm apart.
  const int pitch = px(2.54), height = px(3.2);
  const int left = (s.page.cols - cells * pitch) / 2;
  std::vector<int> baselines;
  for (int line = 0; line < rows; ++line) baselines.push_back(s.page.rows - px(3.8 + 4.2 * (rows - 1 - line)));
  for (int line = 0; line < rows; ++line) {
    for (int i = 0; i < cells; ++i) {
      ocr_b->putText(s.page, std::string(1, s.mrz[static_cast<std::size_t>(line)][static_cast<std::size_t>(i)]),
                     {left + i * pitch, baselines[static_cast<std::size_t>(line)]}, height,
                     cv::Scalar(20, 20, 20), cv::FILLED, cv::LINE_AA, true);
    }
  }
  s.mrz_box = cv::Rect(left - px(1), baselines.front() - height - px(1), cells * pitch + px(2),
                       baselines.back() - baselines.front() + height + px(2.5));
  if (defects.glare > 0) {
    // A band of light 5 mm wide crossing the zone at a slant, brightest along its middle.
    const double slant = (static_cast<double>(rng() % 1000) / 1000 - 0.5) * 1.2;  // radians
    const cv::Point2d centre(s.mrz_box.x + s.mrz_box.width * (0.2 + 0.6 * (rng() % 1000) / 1000.0),
                             s.mrz_box.y + s.mrz_box.height / 2.0);
    const cv::Point2d normal(std::cos(slant), std::sin(slant));
    const double sigma = px(5) / 2.5;
    for (int y = 0; y < s.page.rows; ++y) {
      auto* row = s.page.ptr<cv::Vec3b>(y);
      for (int x = 0; x < s.page.cols; ++x) {
        const double d = (cv::Point2d(x, y) - centre).dot(normal);
        const double lift = defects.glare * std::exp(-d * d / (2 * sigma * sigma));
        for (int c = 0; c < 3; ++c) row[x][c] = cv::saturate_cast<std::uint8_t>(row[x][c] + (255 - row[x][c]) * lift);
      }
    }
  }
  apply_scan_defects(s.page, defects, rng);
  return s;
}

}  // namespace kiosk::sim
