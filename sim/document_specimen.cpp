// Supporting-paper specimens: text laid out with DejaVu, then the faults of a real scan.
#include "sim/document_specimen.hpp"

#include <array>
#include <random>
#include <string>

#include <opencv2/imgproc.hpp>

namespace kiosk::sim {
namespace {

constexpr std::array<const char*, 40> kWords = {
    "invitation", "the", "applicant", "will", "visit", "our", "company", "from", "to", "for",
    "meetings", "with", "partners", "in", "Shanghai", "and", "Beijing", "during", "period",
    "all", "costs", "are", "covered", "by", "host", "address", "telephone", "purpose", "of",
    "stay", "business", "negotiations", "contract", "signed", "on", "behalf", "director",
    "itinerary", "hotel", "reservation"};

std::string sentence(std::mt19937& rng, std::size_t words) {
  std::string s;
  for (std::size_t i = 0; i < words; ++i) {
    if (i) s += ' ';
    s += kWords[rng() % kWords.size()];
  }
  return s;
}

}  // namespace

cv::Mat render_paper(std::uint32_t seed, const PaperFaults& faults, const SpecimenFonts& fonts) {
  std::mt19937 rng(seed);
  const double tone = faults.paper_tone;
  cv::Mat page(3508, 2480, CV_8UC3, cv::Scalar(tone, tone + 2 > 255 ? 255 : tone + 2, tone));
  const cv::Scalar ink(35, 30, 30);
  if (!faults.blank) {
    auto text = load_font(fonts.text);
    // Letterhead, a rule under it, the date.
    text->putText(page, "NORTHERN TRADING COMPANY LTD", {200, 300}, 64, ink, cv::FILLED, cv::LINE_AA, true);
    cv::line(page, {200, 340}, {2280, 340}, ink, 4, cv::LINE_AA);
    text->putText(page, "Ref. " + std::to_string(10000 + rng() % 90000), {200, 430}, 40, ink,
                  cv::FILLED, cv::LINE_AA, true);
    // Paragraphs: 11 pt text (46 px at 300 dpi), 64 px apart.
    int y = 560;
    for (int paragraph = 0; paragraph < 4; ++paragraph) {
      const int lines = 3 + static_cast<int>(rng() % 4);
      for (int l = 0; l < lines; ++l, y += 64) {
        text->putText(page, sentence(rng, 9 + rng() % 3), {200, y}, 46, ink, cv::FILLED, cv::LINE_AA, true);
      }
      y += 50;
    }
    // A table of dates and places.
    const int top = y + 20, rows = 5;
    for (int r = 0; r <= rows; ++r) cv::line(page, {200, top + r * 80}, {2280, top + r * 80}, ink, 3);
    for (int x : {200, 800, 1500, 2280}) cv::line(page, {x, top}, {x, top + rows * 80}, ink, 3);
    for (int r = 0; r < rows; ++r) {
      text->putText(page, std::to_string(1 + r) + " March", {230, top + r * 80 + 58}, 44, ink,
                    cv::FILLED, cv::LINE_AA, true);
      text->putText(page, sentence(rng, 2), {830, top + r * 80 + 58}, 44, ink, cv::FILLED, cv::LINE_AA, true);
    }
    // A signature and a red stamp.
    std::vector<cv::Point> stroke;
    for (int i = 0; i < 60; ++i) {
      stroke.emplace_back(1500 + i * 10, 3000 + static_cast<int>(40 * std::sin(i * 0.5 + seed)));
    }
    cv::polylines(page, stroke, false, cv::Scalar(120, 40, 20), 5, cv::LINE_AA);
    cv::circle(page, {700, 3000}, 180, cv::Scalar(40, 40, 200), 10, cv::LINE_AA);
    text->putText(page, "SEAL", {610, 3030}, 70, cv::Scalar(40, 40, 200), cv::FILLED, cv::LINE_AA, true);
  }
  if (faults.glare > 0) {
    // Light thrown back by glossy paper: saturated in the middle, fading out.
    const double radius = faults.glare * page.cols / 2;
    const cv::Point centre(page.cols / 2, page.rows / 3);
    cv::Mat spot(page.size(), CV_32F, cv::Scalar(0));
    cv::circle(spot, centre, static_cast<int>(radius), cv::Scalar(1), cv::FILLED);
    cv::GaussianBlur(spot, spot, cv::Size(0, 0), radius / 6);
    cv::Mat page_f;
    page.convertTo(page_f, CV_32FC3);
    cv::Mat spot3;
    cv::merge(std::vector<cv::Mat>{spot, spot, spot}, spot3);
    page_f = page_f + spot3.mul(cv::Scalar(400, 400, 400) - page_f);
    page_f.convertTo(page, CV_8UC3);  // saturates at 255
  }
  apply_scan_defects(page, faults.scan, rng);
  if (faults.off_glass_mm > 0) {
    // The glass ends before the page does: the scan keeps its size, the page slides right and the
    // lid shows on the left.
    const int shift = static_cast<int>(faults.off_glass_mm * 300 / 25.4);
    cv::Mat moved(page.size(), page.type(), cv::Scalar(246, 247, 248));
    page.colRange(0, page.cols - shift).copyTo(moved.colRange(shift, page.cols));
    page = moved;
  }
  return page;
}

}  // namespace kiosk::sim
