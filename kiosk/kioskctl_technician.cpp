// kioskctl technician: the technician PIN's hash for the configuration.
#include <cstdio>
#include <iostream>
#include <string>

#include "kiosk/kioskctl.hpp"
#include "kiosk/technician/technician_gate.hpp"

namespace kiosk::ctl {

int technician_hash_pin() {
  // From standard input, so that the PIN stays out of the shell's history and the process list.
  std::string pin;
  std::getline(std::cin, pin);
  if (pin.size() < 4 || pin.size() > 12 || pin.find_first_not_of("0123456789") != std::string::npos) {
    std::fputs("kioskctl: a technician PIN is 4 to 12 digits\n", stderr);
    return 2;
  }
  std::printf("%s\n", app::hash_pin(pin).c_str());
  return 0;
}

}  // namespace kiosk::ctl
