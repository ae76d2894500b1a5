// kioskctl: the technician's command line. `kioskctl an2k dump FILE` lists the records and fields
// of an ANSI/NIST-ITL transaction; `kioskctl finger record` writes a ten-print transaction.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include "capture/an2k/transaction.hpp"
#include "capture/finger/ten_print_record.hpp"

namespace {

constexpr const char* kUsage =
    "usage: kioskctl an2k dump FILE   list the records and fields of an ANSI/NIST-ITL file\n"
    "       kioskctl finger record --out FILE.an2 [--finger N=IMAGE]... [--missing N=XX|UP]...\n"
    "                              [--ppi 500] [--ori AGENCY] [--tcn NUMBER]\n"
    "                              write a ten-print transaction (N: 1 right thumb .. 10 left\n"
    "                              little; XX amputated, UP unable to print)\n";

// Splits "N=VALUE" into the finger position and the value.
bool position_and_value(const std::string& arg, int& position, std::string& value) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  try {
    std::size_t used = 0;
    position = std::stoi(arg.substr(0, eq), &used);
    if (used != eq) return false;
  } catch (const std::exception&) {
    return false;
  }
  value = arg.substr(eq + 1);
  return !value.empty();
}

int record(int argc, char** argv) {
  std::string out;
  int ppi = 500;
  kiosk::finger::TransactionInfo info;
  info.originating_agency = "KIOSK";
  info.control_number = "TECH-" + std::to_string(::getpid());
  std::vector<kiosk::finger::FingerImage> fingers;
  std::vector<kiosk::finger::MissingFinger> missing;
  for (int i = 3; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "kioskctl: %s needs a value\n%s", option.c_str(), kUsage);
      return 2;
    }
    const std::string value = argv[++i];
    int position = 0;
    std::string what;
    if (option == "--out") {
      out = value;
    } else if (option == "--ppi") {
      ppi = std::atoi(value.c_str());
    } else if (option == "--ori") {
      info.originating_agency = value;
    } else if (option == "--tcn") {
      info.control_number = value;
    } else if (option == "--finger" && position_and_value(value, position, what)) {
      cv::Mat grey = cv::imread(what, cv::IMREAD_GRAYSCALE);
      if (grey.empty()) {
        std::fprintf(stderr, "kioskctl: %s is missing or not an image\n", what.c_str());
        return 1;
      }
      fingers.push_back({position, grey, ppi, -1});
    } else if (option == "--missing" && position_and_value(value, position, what) &&
               (what == "XX" || what == "UP")) {
      missing.push_back({position, what == "XX" ? kiosk::finger::MissingCode::kAmputated
                                                : kiosk::finger::MissingCode::kUnableToPrint});
    } else {
      std::fprintf(stderr, "kioskctl: cannot use %s %s\n%s", option.c_str(), value.c_str(), kUsage);
      return 2;
    }
  }
  if (out.empty() || (fingers.empty() && missing.empty())) {
    std::fprintf(stderr, "kioskctl: --out and at least one --finger or --missing are needed\n%s",
                 kUsage);
    return 2;
  }
  for (auto& f : fingers) f.pixels_per_inch = ppi;
  const auto transaction = kiosk::finger::ten_print_transaction(info, fingers, missing);
  if (!transaction) {
    std::fprintf(stderr, "kioskctl: %s\n", transaction.error().c_str());
    return 1;
  }
  const auto bytes = kiosk::an2k::encode(*transaction);
  if (!bytes) {
    std::fprintf(stderr, "kioskctl: %s\n", bytes.error().c_str());
    return 1;
  }
  // Written beside the target and renamed, so a full disk never leaves half a file under its name.
  const std::string partial = out + ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    file.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!file.flush()) {
      std::fprintf(stderr, "kioskctl: cannot write %s\n", out.c_str());
      std::filesystem::remove(partial);
      return 1;
    }
  }
  std::filesystem::rename(partial, out);
  std::printf("%s: %zu fingers, %zu missing, %zu bytes\n", out.c_str(), fingers.size(),
              missing.size(), bytes->size());
  return 0;
}

// What a binary field holds, from its first bytes.
std::string describe_binary(const std::string& bytes) {
  auto starts = [&](std::string_view magic) { return bytes.compare(0, magic.size(), magic) == 0; };
  const char* kind = starts("\xFF\xD8")                ? "JPEG image"
                     : starts("\xFF\xA0")              ? "WSQ image"
                     : starts("\x89PNG")               ? "PNG image"
                     : starts(std::string_view("\0\0\0\x0CjP", 6)) ? "JPEG 2000 image"
                                                                   : "binary data";
  return "<" + std::to_string(bytes.size()) + " bytes: " + kind + ">";
}

std::string printable(const kiosk::an2k::Field& field) {
  std::string out;
  for (const auto& subfield : field.subfields()) {
    if (!out.empty()) out += " | ";
    for (std::size_t i = 0; i < subfield.size(); ++i) out += (i ? ", " : "") + subfield[i];
  }
  return out;
}

int dump(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "kioskctl: %s cannot be read\n", path);
    return 1;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto transaction = kiosk::an2k::decode(bytes);
  if (!transaction) {
    std::fprintf(stderr, "kioskctl: %s: %s\n", path, transaction.error().c_str());
    return 1;
  }
  std::printf("%s: %zu records, %zu bytes\n", path, transaction->records.size(), bytes.size());
  int index = 0;
  for (const auto& record : transaction->records) {
    std::printf("record %d: Type-%d\n", ++index, record.type());
    for (const auto& field : record.fields()) {
      const std::string_view name = kiosk::an2k::field_name(record.type(), field.number);
      const bool binary = field.number == kiosk::an2k::kData;
      std::printf("  %d.%03d %-4.*s %s\n", record.type(), field.number,
                  static_cast<int>(name.size()), name.data(),
                  binary ? describe_binary(field.value).c_str() : printable(field).c_str());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // OpenCV's own warnings would only repeat, less clearly, what kioskctl says.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  if (argc == 4 && std::string_view(argv[1]) == "an2k" && std::string_view(argv[2]) == "dump") {
    return dump(argv[3]);
  }
  if (argc >= 3 && std::string_view(argv[1]) == "finger" && std::string_view(argv[2]) == "record") {
    return record(argc, argv);
  }
  std::fputs(kUsage, argc == 2 && std::string_view(argv[1]) == "--help" ? stdout : stderr);
  return argc == 2 && std::string_view(argv[1]) == "--help" ? 0 : 2;
}
