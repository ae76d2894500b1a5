// Image files read as untrusted input; see image_file.hpp.
#include "capture/image_file.hpp"

#include <cctype>
#include <fstream>
#include <vector>

#include <opencv2/imgcodecs.hpp>

namespace kiosk::capture {
namespace {

std::uint32_t big_endian(std::string_view b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::uint32_t little_endian(std::string_view b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::unexpected<std::string> cut_short(const char* format) {
  return std::unexpected(std::string("the ") + format + " header is cut short or damaged");
}

// PNG: the IHDR chunk comes first, its width and height at bytes 16 and 20.
std::expected<ImageHeader, std::string> png(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return cut_short("PNG");
  return ImageHeader{"PNG", static_cast<int>(big_endian(b, 16, 4)), static_cast<int>(big_endian(b, 20, 4))};
}

// JPEG: markers up to the first start-of-frame (SOF0..SOF15 but DHT, JPG and DAC), whose
// height and width follow its length and precision.
std::expected<ImageHeader, std::string> jpeg(std::string_view b) {
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return cut_short("JPEG");
    const unsigned marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    const std::uint32_t length = big_endian(b, at + 2, 2);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (at + 9 > b.size()) return cut_short("JPEG");
      return ImageHeader{"JPEG", static_cast<int>(big_endian(b, at + 7, 2)), static_cast<int>(big_endian(b, at + 5, 2))};
    }
    if (marker == 0xDA || marker == 0xD9 || length < 2) return cut_short("JPEG");  // scan before any frame
    at += 2 + length;
  }
  return cut_short("JPEG");
}

// PNM: "P1".."P6", then width and height as decimal text, with # comments between.
std::expected<ImageHeader, std::string> pnm(std::string_view b) {
  std::size_t at = 2;
  long values[2] = {0, 0};
  for (long& v : values) {
    for (;;) {
      while (at < b.size() && std::isspace(static_cast<unsigned char>(b[at]))) ++at;
      if (at < b.size() && b[at] == '#') {
        while (at < b.size() && b[at] != '\n') ++at;
        continue;
      }
      break;
    }
    const std::size_t start = at;
    while (at < b.size() && std::isdigit(static_cast<unsigned char>(b[at])) && at - start < 10) {
      v = v * 10 + (b[at] - '0');
      ++at;
    }
    if (at == start || at >= b.size() || !std::isspace(static_cast<unsigned char>(b[at]))) return cut_short("PNM");
  }
  if (values[0] > INT32_MAX || values[1] > INT32_MAX) return cut_short("PNM");
  return ImageHeader{"PNM", static_cast<int>(values[0]), static_cast<int>(values[1])};
}

// BMP: BITMAPINFOHEADER's width and height (negative: top-down) at bytes 18 and 22.
std::expected<ImageHeader, std::string> bmp(std::string_view b) {
  if (b.size() < 26) return cut_short("BMP");
  if (little_endian(b, 14, 4) == 12) {  // the old BITMAPCOREHEADER: 16-bit sizes
    return ImageHeader{"BMP", static_cast<int>(little_endian(b, 18, 2)), static_cast<int>(little_endian(b, 20, 2))};
  }
  const auto width = static_cast<std::int32_t>(little_endian(b, 18, 4));
  const auto height = static_cast<std::int32_t>(little_endian(b, 22, 4));
  if (width < 0 || height == INT32_MIN) return cut_short("BMP");
  return ImageHeader{"BMP", width, height < 0 ? -height : height};
}

// TIFF: the first image file directory's ImageWidth (256) and ImageLength (257).
std::expected<ImageHeader, std::string> tiff(std::string_view b) {
  const bool little = b[0] == 'I';
  const auto number = [&](std::size_t at, int n) { return little ? little_endian(b, at, n) : big_endian(b, at, n); };
  if (b.size() < 8) return cut_short("TIFF");
  const std::uint32_t ifd = number(4, 4);
  if (std::uint64_t{ifd} + 2 > b.size()) return cut_short("TIFF");  // no wrap at 4 GiB
  const std::uint32_t entries = number(ifd, 2);
  if (std::uint64_t{ifd} + 2 + std::uint64_t{entries} * 12 > b.size()) return cut_short("TIFF");
  long width = -1, height = -1;
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t e = ifd + 2 + i * 12;
    const std::uint32_t tag = number(e, 2), type = number(e + 2, 2);
    const std::uint32_t value = type == 3 ? number(e + 8, 2) : number(e + 8, 4);  // SHORT or LONG
    if (tag == 256) width = value;
    if (tag == 257) height = value;
  }
  if (width < 0 || height < 0 || width > INT32_MAX || height > INT32_MAX) return cut_short("TIFF");
  return ImageHeader{"TIFF", static_cast<int>(width), static_cast<int>(height)};
}

// Whether the file is whole as far as its format's end marker tells.
bool whole(const ImageHeader& h, std::string_view b) {
  if (h.format == "PNG") return b.size() >= 12 && b.find("IEND", b.size() - 12) != std::string_view::npos;
  if (h.format == "JPEG") {
    // 0xFF 0xD9 appears nowhere in entropy-coded data (0xFF is stuffed with 0x00 there), so
    // its presence after the last start of scan is the image's end.
    const auto scan = b.rfind("\xFF\xDA");
    return scan != std::string_view::npos && b.find("\xFF\xD9", scan) != std::string_view::npos;
  }
  return true;  // the decoder finds a short PNM, BMP or TIFF itself
}

}  // namespace

std::expected<ImageHeader, std::string> read_image_header(std::string_view b) {
  if (b.starts_with("\x89PNG\r\n\x1a\n")) return png(b);
  if (b.starts_with("\xFF\xD8\xFF")) return jpeg(b);
  if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return pnm(b);
  if (b.starts_with("BM")) return bmp(b);
  if (b.starts_with(std::string_view("II*\0", 4)) || b.starts_with(std::string_view("MM\0*", 4))) return tiff(b);
  return std::unexpected(std::string("not a PNG, JPEG, TIFF, BMP or PNM image"));
}

std::expected<cv::Mat, std::string> decode_image(std::string_view bytes, int flags, const ImageLimits& limits) {
  if (bytes.empty()) return std::unexpected(std::string("the file is empty"));
  if (bytes.size() > limits.max_bytes) {
    return std::unexpected("the file has " + std::to_string(bytes.size()) + " bytes, more than the " +
                           std::to_string(limits.max_bytes) + " allowed");
  }
  const auto header = read_image_header(bytes);
  if (!header) return std::unexpected(header.error());
  if (header->width <= 0 || header->height <= 0) {
    return std::unexpected("the " + header->format + " header declares no pixels");
  }
  const std::uint64_t pixels = std::uint64_t(header->width) * std::uint64_t(header->height);
  if (pixels > limits.max_pixels) {
    return std::unexpected("the image is " + std::to_string(header->width) + " x " +
                           std::to_string(header->height) + " pixels, more than the " +
                           std::to_string(limits.max_pixels) + " allowed");
  }
  if (!whole(*header, bytes)) return std::unexpected("the " + header->format + " file is cut short");
  cv::Mat image;
  try {
    image = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1,
                                 const_cast<char*>(bytes.data())),
                         flags);
  } catch (const cv::Exception&) {
    image.release();
  }
  if (image.empty()) return std::unexpected("the " + header->format + " file is damaged and cannot be decoded");
  const bool as_declared = image.cols == header->width && image.rows == header->height;
  const bool turned = image.cols == header->height && image.rows == header->width;  // EXIF orientation
  if (!as_declared && !turned) {
    return std::unexpected("the " + header->format + " file's header and its pixels disagree");
  }
  return image;
}

std::expected<cv::Mat, std::string> read_image(const std::filesystem::path& file, int flags,
                                               const ImageLimits& limits) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return std::unexpected(file.string() + ": " + (std::filesystem::exists(file, ec) ? "not a file" : "no such file"));
  }
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > limits.max_bytes) {
    return std::unexpected(file.string() + ": the file has " + std::to_string(size) + " bytes, more than the " +
                           std::to_string(limits.max_bytes) + " allowed");
  }
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return std::unexpected(file.string() + ": cannot be read");
  auto image = decode_image(bytes, flags, limits);
  if (!image) return std::unexpected(file.string() + ": " + image.error());
  return image;
}

}  // namespace kiosk::capture
