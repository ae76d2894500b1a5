// A test parameter's name for GoogleTest: its letters and digits only ("tilted 8-12 degrees" ->
// "tilted812degrees"), which is what a test name may hold.
#pragma once

#include <cctype>
#include <string>

namespace kiosk::testing {

inline std::string param_name(const char* label) {
  std::string name;
  for (const char* p = label; *p; ++p) {
    if (std::isalnum(static_cast<unsigned char>(*p))) name += *p;
  }
  return name;
}

}  // namespace kiosk::testing
