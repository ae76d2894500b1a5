// `kioskctl document check IMAGE...` measures scanned supporting papers as the kiosk would judge
// them; `kioskctl document encode IMAGE... --rule NAME --out FILE` writes them as a service's file
// rule asks (several images: one PDF).
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "capture/document/file_encoder.hpp"
#include "capture/document/page_quality.hpp"
#include "capture/image_file.hpp"
#include "config/config.hpp"
#include "config/number_text.hpp"
#include "kiosk/kioskctl.hpp"

namespace kiosk::ctl {
namespace {

struct Options {
  std::vector<std::string> images;
  std::string rule, out, format, config_file = kDefaultConfig;
  double dpi = 300;
  bool json = false;
};

// Reads the options of both commands; false after printing what is wrong.
bool parse(int argc, char** argv, Options& o) {
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o.json = true;
    } else if (arg == "--rule" && has_value) {
      o.rule = argv[++i];
    } else if (arg == "--out" && has_value) {
      o.out = argv[++i];
    } else if (arg == "--format" && has_value) {
      o.format = argv[++i];
    } else if (arg == "--config" && has_value) {
      o.config_file = argv[++i];
    } else if (arg == "--dpi" && has_value) {
      const auto dpi = parse_number(argv[++i], 50, 2400);
      o.dpi = dpi.value_or(0);
      if (!dpi) {
        std::fprintf(stderr, "kioskctl: --dpi wants a resolution from 50 to 2400, not %s\n", argv[i]);
        return false;
      }
    } else if (arg.rfind("--", 0) != 0) {
      o.images.push_back(arg);
    } else {
      std::fprintf(stderr, "kioskctl: unknown argument %s\n%s", arg.c_str(), kUsage);
      return false;
    }
  }
  if (o.images.empty()) {
    std::fputs(kUsage, stderr);
    return false;
  }
  return true;
}

bool load_pages(const Options& o, std::vector<document::ScannedPage>& pages) {
  for (const auto& image : o.images) {
    auto page = capture::read_image(image, cv::IMREAD_COLOR);
    if (!page) {
      std::fprintf(stderr, "kioskctl: %s\n", page.error().c_str());
      return false;
    }
    pages.push_back({std::move(*page), o.dpi});
  }
  return true;
}

int check(const Options& o, const std::vector<document::ScannedPage>& pages) {
  int failed = 0;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const document::PageQuality q = document::assess_page(pages[i].image, pages[i].dpi);
    const document::PageQualityLimits limits;
    nlohmann::json checks = {
        {"blank", {{"ink_share", q.ink_share}, {"min", limits.min_ink_share}}},
        {"cut_off", {{"edge_ink_share", q.edge_ink_share}, {"max", limits.max_edge_ink_share}}},
        {"skew", {{"deg", q.skew_deg}, {"max", limits.max_skew_deg}}},
        {"glare", {{"share", q.glare_share}, {"max", limits.max_glare_share}}},
        {"blur", {{"edge_width_mm", q.edge_width_mm}, {"max", limits.max_edge_width_mm}}}};
    nlohmann::json prompts = nlohmann::json::array();
    for (const auto p : q.failures) prompts.push_back(std::string(document::prompt_id(p)));
    failed += q.failures.empty() ? 0 : 1;
    if (o.json) {
      std::printf("%s\n", nlohmann::json{{"image", o.images[i]}, {"accepted", q.failures.empty()},
                                         {"checks", checks}, {"prompts", prompts}}.dump().c_str());
      continue;
    }
    std::printf("%s: %s\n", o.images[i].c_str(), q.failures.empty() ? "accepted" : "refused");
    std::printf("  ink          %.4f of the page (blank below %.4f)\n", q.ink_share, limits.min_ink_share);
    std::printf("  edge ink     %.3f of an edge (cut off above %.3f)\n", q.edge_ink_share, limits.max_edge_ink_share);
    std::printf("  skew         %.1f° (refused beyond %.1f°, straightened within)\n", q.skew_deg, limits.max_skew_deg);
    std::printf("  glare        %.4f of the page (above %.4f)\n", q.glare_share, limits.max_glare_share);
    std::printf("  edge width   %.2f mm (blurred above %.2f; 0: not judged)\n", q.edge_width_mm, limits.max_edge_width_mm);
    for (const auto& p : prompts) std::printf("  prompt       %s\n", p.get<std::string>().c_str());
  }
  return failed == 0 ? 0 : 1;
}

int encode(const Options& o, const std::vector<document::ScannedPage>& pages) {
  if (o.rule.empty() || o.out.empty()) {
    std::fprintf(stderr, "kioskctl: document encode needs --rule NAME and --out FILE\n%s", kUsage);
    return 2;
  }
  const auto config = load_config(o.config_file);
  if (!config) return 1;
  const config::ServiceCatalogue& catalogue = config->services;
  const config::FileRule* rule = catalogue.file_rule(o.rule);
  if (rule == nullptr) {
    std::string known;
    for (const auto& r : catalogue.file_rules) known += (known.empty() ? "" : ", ") + r.name;
    std::fprintf(stderr, "kioskctl: no file rule \"%s\" in %s; it has: %s\n", o.rule.c_str(),
                 o.config_file.c_str(), known.empty() ? "none" : known.c_str());
    return 1;
  }
  std::string format = o.format;
  if (format.empty()) {  // from the output's extension
    const auto dot = o.out.rfind('.');
    if (dot != std::string::npos) format = o.out.substr(dot + 1);
    for (char& c : format) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (format == "tiff") format = "tif";
  }
  const auto file = document::encode_document(pages, *rule, format);
  if (!file) {
    std::fprintf(stderr, "kioskctl: %s\n", file.error().c_str());
    return 1;
  }
  if (!write_output(o.out, file->bytes)) return 1;
  const nlohmann::json result = {{"out", o.out},          {"format", file->format},
                                 {"bytes", file->bytes.size()}, {"pages", file->pages},
                                 {"dpi", file->dpi},      {"jpeg_quality", file->jpeg_quality},
                                 {"grey", file->grey},    {"rule", rule->name}};
  if (o.json) {
    std::printf("%s\n", result.dump().c_str());
  } else {
    std::printf("%s: %s, %d page(s), %.0f KB at %d dpi%s%s, within rule \"%s\"\n", o.out.c_str(),
                file->format.c_str(), file->pages, file->bytes.size() / 1024.0, file->dpi,
                file->jpeg_quality > 0 ? (", JPEG quality " + std::to_string(file->jpeg_quality)).c_str() : "",
                file->grey ? ", grey" : "", rule->name.c_str());
  }
  return 0;
}

}  // namespace

int document_paper(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  std::vector<document::ScannedPage> pages;
  if (!load_pages(o, pages)) return 1;
  return std::string_view(argv[2]) == "check" ? check(o, pages) : encode(o, pages);
}

}  // namespace kiosk::ctl
