// kioskctl's commands, one file per subject; kioskctl.cpp picks one from the command line.
#pragma once

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

}  // namespace kiosk::ctl
