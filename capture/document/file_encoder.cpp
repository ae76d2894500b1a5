// Supporting-paper encoder: resolution and quality chosen to meet a file rule; PDF through cairo.
#include "capture/document/file_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <zlib.h>

namespace kiosk::document {
namespace {

constexpr int kMaxJpegQuality = 95;

std::string size_text(std::size_t bytes) {
  if (bytes >= 1024 * 1024) return fmt::format("{:.1f} MB", bytes / (1024.0 * 1024.0));
  return fmt::format("{:.0f} KB", bytes / 1024.0);
}

// Colourless: hardly a pixel whose channels differ by more than print on white paper would.
bool colourless(const cv::Mat& page) {
  if (page.channels() == 1) return true;
  cv::Mat small;
  cv::resize(page, small, cv::Size(), 0.25, 0.25, cv::INTER_AREA);
  std::vector<cv::Mat> c;
  cv::split(small, c);
  cv::Mat high = cv::max(cv::max(c[0], c[1]), c[2]), low = cv::min(cv::min(c[0], c[1]), c[2]);
  cv::Mat chroma = high - low;
  return cv::countNonZero(chroma > 40) < 0.001 * static_cast<double>(chroma.total());
}

// Big-endian and little-endian stores for the header fields patched below.
void put_be16(std::uint8_t* p, unsigned v) { p[0] = static_cast<std::uint8_t>(v >> 8), p[1] = static_cast<std::uint8_t>(v); }
void put_be32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
void put_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// OpenCV writes no resolution into JPEG, PNG or BMP; the office should see the paper's size.
void write_resolution(std::vector<std::uint8_t>& file, const std::string& format, int dpi) {
  const auto per_metre = static_cast<std::uint32_t>(std::lround(dpi / 0.0254));
  if (format == "jpg" && file.size() > 18 && std::memcmp(&file[6], "JFIF", 5) == 0) {
    file[13] = 1;  // dots per inch
    put_be16(&file[14], static_cast<unsigned>(dpi));
    put_be16(&file[16], static_cast<unsigned>(dpi));
  } else if (format == "bmp" && file.size() > 46) {
    put_le32(&file[38], per_metre);
    put_le32(&file[42], per_metre);
  } else if (format == "png" && file.size() > 33) {
    // A pHYs chunk right after IHDR (8 bytes of signature, 25 of IHDR).
    std::uint8_t chunk[21] = {0, 0, 0, 9, 'p', 'H', 'Y', 's'};
    put_be32(chunk + 8, per_metre);
    put_be32(chunk + 12, per_metre);
    chunk[16] = 1;  // metres
    put_be32(chunk + 17, static_cast<std::uint32_t>(crc32(0, chunk + 4, 13)));
    file.insert(file.begin() + 33, std::begin(chunk), std::end(chunk));
  }
}

struct Attempt {
  std::vector<std::uint8_t> bytes;
  std::string error;
};

class Encoder {
 public:
  Encoder(const std::vector<ScannedPage>& pages, std::string format, bool grey)
      : pages_(pages), format_(std::move(format)), grey_(grey) {}

  // The pages at `dpi`, grey when the document has no colour.
  void prepare(int dpi) {
    scaled_.clear();
    for (const ScannedPage& p : pages_) {
      cv::Mat page = p.image;
      if (grey_ && page.channels() == 3) cv::cvtColor(page, page, cv::COLOR_BGR2GRAY);
      const double f = dpi / p.dpi;
      if (std::abs(f - 1) > 1e-3) cv::resize(page, page, cv::Size(), f, f, cv::INTER_AREA);
      scaled_.push_back(page);
    }
    dpi_ = dpi;
  }

  Attempt encode(int quality) const {
    Attempt a;
    if (format_ == "pdf") {
      std::vector<std::vector<std::uint8_t>> jpegs;
      std::vector<cv::Size> sizes;
      for (const cv::Mat& page : scaled_) {
        jpegs.emplace_back();
        cv::imencode(".jpg", page, jpegs.back(), {cv::IMWRITE_JPEG_QUALITY, quality});
        sizes.push_back(page.size());
      }
      auto pdf = write_pdf(jpegs, sizes, dpi_);
      if (!pdf) a.error = pdf.error();
      else a.bytes = std::move(*pdf);
      return a;
    }
    std::vector<int> params;
    if (format_ == "jpg") params = {cv::IMWRITE_JPEG_QUALITY, quality, cv::IMWRITE_JPEG_OPTIMIZE, 1};
    if (format_ == "png") params = {cv::IMWRITE_PNG_COMPRESSION, 9};
    if (format_ == "tif") {
      params = {cv::IMWRITE_TIFF_RESUNIT, 2, cv::IMWRITE_TIFF_XDPI, dpi_, cv::IMWRITE_TIFF_YDPI, dpi_};
    }
    if (!cv::imencode("." + format_, scaled_.front(), a.bytes, params)) {
      a.error = "the " + format_ + " encoder failed";
      return a;
    }
    write_resolution(a.bytes, format_, dpi_);
    return a;
  }

 private:
  const std::vector<ScannedPage>& pages_;
  std::string format_;
  bool grey_;
  std::vector<cv::Mat> scaled_;
  int dpi_ = 0;
};

}  // namespace

std::expected<std::vector<std::uint8_t>, std::string> write_pdf(
    const std::vector<std::vector<std::uint8_t>>& jpeg_pages, const std::vector<cv::Size>& sizes,
    double dpi) {
  if (jpeg_pages.empty() || jpeg_pages.size() != sizes.size() || dpi <= 0) {
    return std::unexpected(std::string("a PDF needs at least one page and its resolution"));
  }
  std::vector<std::uint8_t> out;
  const auto points = [dpi](int px) { return px * 72.0 / dpi; };
  cairo_surface_t* pdf = cairo_pdf_surface_create_for_stream(
      [](void* closure, const unsigned char* data, unsigned int length) {
        auto* sink = static_cast<std::vector<std::uint8_t>*>(closure);
        sink->insert(sink->end(), data, data + length);
        return CAIRO_STATUS_SUCCESS;
      },
      &out, points(sizes.front().width), points(sizes.front().height));
  for (std::size_t i = 0; i < jpeg_pages.size(); ++i) {
    cairo_pdf_surface_set_size(pdf, points(sizes[i].width), points(sizes[i].height));
    // The image surface only carries the JPEG: cairo embeds the JPEG data itself, so its pixels
    // are never drawn and need not be filled.
    cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, sizes[i].width, sizes[i].height);
    auto* copy = static_cast<unsigned char*>(std::malloc(jpeg_pages[i].size()));
    if (copy == nullptr) {
      cairo_surface_destroy(image);
      cairo_surface_destroy(pdf);
      return std::unexpected(std::string("out of memory writing the PDF"));
    }
    std::memcpy(copy, jpeg_pages[i].data(), jpeg_pages[i].size());
    cairo_surface_set_mime_data(image, CAIRO_MIME_TYPE_JPEG, copy, jpeg_pages[i].size(), std::free, copy);
    cairo_t* cr = cairo_create(pdf);
    cairo_scale(cr, 72.0 / dpi, 72.0 / dpi);
    cairo_set_source_surface(cr, image, 0, 0);
    cairo_paint(cr);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(image);
  }
  cairo_surface_finish(pdf);
  const cairo_status_t status = cairo_surface_status(pdf);
  cairo_surface_destroy(pdf);
  if (status != CAIRO_STATUS_SUCCESS) {
    return std::unexpected(std::string("cairo could not write the PDF: ") + cairo_status_to_string(status));
  }
  return out;
}

std::expected<EncodedFile, std::string> encode_document(const std::vector<ScannedPage>& pages,
                                                        const config::FileRule& rule,
                                                        std::string format) {
  if (pages.empty()) return std::unexpected(std::string("there is no page to encode"));
  for (const ScannedPage& p : pages) {
    if (p.image.empty() || p.image.depth() != CV_8U || (p.image.channels() != 1 && p.image.channels() != 3) ||
        p.dpi <= 0) {
      return std::unexpected(std::string("a page is not an 8-bit grey or colour scan with a resolution"));
    }
  }
  if (format.empty()) format = pages.size() > 1 && rule.allows("pdf") ? "pdf" : rule.formats.front();
  if (!rule.allows(format)) {
    return std::unexpected(fmt::format("the rule \"{}\" does not take {} files; it takes {}", rule.name,
                                       format, fmt::join(rule.formats, ", ")));
  }
  if (format == "jpeg") format = "jpg";
  if (pages.size() > 1 && format != "pdf") {
    return std::unexpected(fmt::format("{} pages make one PDF, which the rule \"{}\" does not take",
                                       pages.size(), rule.name));
  }
  const double scanned = std::ranges::min(pages, {}, &ScannedPage::dpi).dpi;
  if (scanned + 0.5 < rule.min_dpi) {
    return std::unexpected(fmt::format("the pages were scanned at {:.0f} dpi; the rule \"{}\" needs at least {}",
                                       scanned, rule.name, rule.min_dpi));
  }
  // Resolutions to try, finest first: what the rule and the scan allow, down by 15 % a step.
  std::vector<int> dpis = {static_cast<int>(std::min<double>(rule.max_dpi, scanned))};
  while (dpis.back() * 0.85 > rule.min_dpi) dpis.push_back(static_cast<int>(dpis.back() * 0.85));
  if (dpis.back() > rule.min_dpi) dpis.push_back(rule.min_dpi);

  const bool grey = std::ranges::all_of(pages, [](const ScannedPage& p) { return colourless(p.image); });
  Encoder encoder(pages, format, grey);
  const bool lossy = format == "jpg" || format == "pdf";
  EncodedFile file{format, {}, 0, 0, static_cast<int>(pages.size()), grey};
  std::size_t smallest = 0;
  for (const int dpi : dpis) {
    const int floor = dpi == dpis.back() ? kLastJpegQuality : kMinJpegQuality;
    encoder.prepare(dpi);
    Attempt a = encoder.encode(lossy ? floor : 0);
    if (!a.error.empty()) return std::unexpected(a.error);
    smallest = a.bytes.size();
    if (a.bytes.size() > rule.max_bytes) continue;
    int quality = lossy ? floor : 0;
    // The best quality that still fits: file size grows with quality.
    for (int low = floor + 1, high = kMaxJpegQuality; lossy && low <= high;) {
      const int mid = (low + high) / 2;
      Attempt b = encoder.encode(mid);
      if (!b.error.empty()) return std::unexpected(b.error);
      if (b.bytes.size() <= rule.max_bytes) {
        quality = mid, a = std::move(b), low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (a.bytes.size() < rule.min_bytes) {
      return std::unexpected(fmt::format(
          "the file comes to only {} at {} dpi{}; the rule \"{}\" asks for at least {}",
          size_text(a.bytes.size()), dpi, lossy ? fmt::format(" and JPEG quality {}", quality) : "",
          rule.name, size_text(rule.min_bytes)));
    }
    file.bytes = std::move(a.bytes);
    file.dpi = dpi;
    file.jpeg_quality = quality;
    return file;
  }
  return std::unexpected(fmt::format(
      "at {} dpi{} the file is still {}; the rule \"{}\" allows {}", dpis.back(),
      lossy ? fmt::format(" and JPEG quality {}", kLastJpegQuality) : "", size_text(smallest), rule.name,
      size_text(rule.max_bytes)));
}

}  // namespace kiosk::document
