// kioskctl's commands, one file per subject; kioskctl.cpp picks one from the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "config/config.hpp"

namespace kiosk::ctl {

// Printed after a usage error, and by --help.
extern const char* const kUsage;
// The kiosk's configuration, where --config does not name another.
inline constexpr const char* kDefaultConfig = "/etc/kiosk/kiosk.json";

int an2k_dump(const char* path);
int finger_record(int argc, char** argv);   // argv[3..]: options
int finger_quality(int argc, char** argv);  // argv[3..]: images and options
int outbox(int argc, char** argv);          // argv[2]: status or retry
int mrz(int argc, char** argv);             // argv[2..]: image and options
int document_paper(int argc, char** argv);  // argv[2]: check or encode; argv[3..]: images, options
int photo(int argc, char** argv);           // argv[2]: check or make; argv[3..]: image, options
int technician_hash_pin();                  // the PIN on standard input
int usb_udev_rules(int argc, char** argv);  // argv[3..]: the device table, --group

// The configuration in `file`, or nothing after printing why it cannot be loaded.
std::optional<config::Config> load_config(const std::string& file);
// Writes `bytes` to `path` through "path.part", renamed into place only when whole; false after
// printing why (nothing half-written is left).
bool write_output(const std::string& path, std::span<const std::uint8_t> bytes);

}  // namespace kiosk::ctl
