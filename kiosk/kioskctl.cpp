// kioskctl: the technician's command line. Each subject's commands live in kioskctl_*.cpp.
#include "kiosk/kioskctl.hpp"

#include <cstdio>
#include <fstream>
#include <string_view>

#include <opencv2/core/utils/logger.hpp>

namespace kiosk::ctl {

const char* const kUsage =
    "usage: kioskctl an2k dump FILE   list the records and fields of an ANSI/NIST-ITL file\n"
    "       kioskctl finger record --out FILE.an2 [--finger N=IMAGE]... [--missing N=XX|UP]...\n"
    "                              [--ppi 500] [--ori AGENCY] [--dai AGENCY] [--tcn NUMBER]\n"
    "                              [--format an2k|iso]\n"
    "                              write a ten-print ANSI/NIST-ITL transaction, or an ISO/IEC\n"
    "                              19794-4 finger image record (N: 1 right thumb .. 10 left\n"
    "                              little; XX amputated, UP unable to print)\n"
    "       kioskctl finger quality IMAGE... [--json] [--ppi 500] [--finger N | --threshold 30]\n"
    "                              score fingerprint images 0..100 and say what the applicant\n"
    "                              would be told; --json prints one object per line\n"
    "       kioskctl mrz IMAGE [--json] [--date YYYY-MM-DD]\n"
    "                              read the machine-readable zone of a scanned data page: the\n"
    "                              lines, every check digit, the fields, or why it is refused\n"
    "       kioskctl document check IMAGE... [--dpi 300] [--json]\n"
    "                              judge scanned supporting papers as the kiosk does: blank,\n"
    "                              cut off, askew, glare, blurred, each with its figure\n"
    "       kioskctl document encode IMAGE... --rule NAME --out FILE [--format F] [--dpi 300]\n"
    "                              [--config FILE] [--json]\n"
    "                              write the pages as the file rule NAME of the service\n"
    "                              catalogue asks (format from FILE's extension; several\n"
    "                              pages make one PDF)\n"
    "       kioskctl photo check IMAGE --spec NAME [--as frame|photo] [--json] [--config FILE]\n"
    "                              judge a camera frame or a finished photo by the photo spec\n"
    "                              NAME: every rule with its figure, range and verdict, and\n"
    "                              what the applicant would be told (--as: by default a photo\n"
    "                              when the image has the spec's proportions)\n"
    "       kioskctl photo make IMAGE --spec NAME --out FILE.jpg [--config FILE] [--json]\n"
    "                              cut the photo from a camera frame as the kiosk does and\n"
    "                              write it as a JPEG within the spec's size band\n"
    "       kioskctl outbox status [--config /etc/kiosk/kiosk.json]\n"
    "                              packets waiting for the central office, by state\n"
    "       kioskctl outbox retry ID... [--config FILE]\n"
    "                              send these at the next opportunity, without waiting\n"
    "       kioskctl outbox send [ID...] [--config FILE]\n"
    "                              send what waits (or these) to the configured central office\n"
    "                              now, and say of each whether it was delivered\n"
    "       kioskctl technician hash-pin\n"
    "                              read a technician PIN (4 to 12 digits) from standard input\n"
    "                              and print the hash for the configuration's\n"
    "                              ui.technician_pin\n"
    "       kioskctl usb udev-rules [DEVICES.json] [--group kiosk]\n"
    "                              the udev rules that give the group the devices of the device\n"
    "                              table (default /etc/kiosk/devices.json) and nothing more\n";

std::optional<config::Config> load_config(const std::string& file) {
  try {
    return config::load(file);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "kioskctl: %s (name the kiosk's configuration with --config)\n", e.what());
    return std::nullopt;
  }
}

bool write_output(const std::string& path, std::span<const std::uint8_t> bytes) {
  const std::string temporary = path + ".part";
  bool written = false;
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    written = static_cast<bool>(out.flush());
  }
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "kioskctl: cannot write %s\n", path.c_str());
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace kiosk::ctl

int main(int argc, char** argv) {
  using namespace kiosk::ctl;
  // OpenCV's own warnings would only repeat, less clearly, what kioskctl says.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  const auto is = [&](int i, std::string_view word) { return argc > i && argv[i] == word; };
  if (argc == 4 && is(1, "an2k") && is(2, "dump")) return an2k_dump(argv[3]);
  if (is(1, "finger") && is(2, "record")) return finger_record(argc, argv);
  if (is(1, "finger") && is(2, "quality")) return finger_quality(argc, argv);
  if (is(1, "mrz")) return mrz(argc, argv);
  if (is(1, "document") && (is(2, "check") || is(2, "encode"))) return document_paper(argc, argv);
  if (is(1, "photo") && (is(2, "check") || is(2, "make"))) return photo(argc, argv);
  if (is(1, "outbox") && (is(2, "status") || is(2, "retry") || is(2, "send"))) return outbox(argc, argv);
  if (argc == 3 && is(1, "technician") && is(2, "hash-pin")) return technician_hash_pin();
  if (is(1, "usb") && is(2, "udev-rules")) return usb_udev_rules(argc, argv);
  const bool help = argc == 2 && is(1, "--help");
  std::fputs(kUsage, help ? stdout : stderr);
  return help ? 0 : 2;
}
