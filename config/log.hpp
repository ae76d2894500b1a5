// One logger for the whole program with a category per component; journald under systemd.
// Never put an applicant's name, document number, image or template into a log line.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace kiosk::log {

// Sets up the shared sink once: the journal when stderr is connected to it (JOURNAL_STREAM, as
// systemd sets for services), otherwise stderr. `level` is trace, debug, info, warn or error.
void init(const std::string& level);

// The logger of one component ("fingerprint", "scanner", "camera", "usb", "kiosk", ...). In the
// journal the component is the KIOSK_COMPONENT field.
std::shared_ptr<spdlog::logger> get(const std::string& component);

}  // namespace kiosk::log
