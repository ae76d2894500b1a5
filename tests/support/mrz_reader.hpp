// The zone reader the tests share: its templates are rendered once per test process.
#pragma once

#include <stdexcept>

#include "capture/document/mrz_reader.hpp"

namespace kiosk::testing {

inline const document::MrzReader& mrz_reader() {
  static const document::MrzReader r = [] {
    auto loaded = document::MrzReader::load();
    if (!loaded) throw std::runtime_error(loaded.error());
    return *loaded;
  }();
  return r;
}

}  // namespace kiosk::testing
