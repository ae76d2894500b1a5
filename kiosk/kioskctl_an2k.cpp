// `kioskctl an2k dump FILE`: the records and fields of an ANSI/NIST-ITL transaction.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "capture/an2k/transaction.hpp"
#include "kiosk/kioskctl.hpp"

namespace kiosk::ctl {
namespace {

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

}  // namespace

int an2k_dump(const char* path) {
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

}  // namespace kiosk::ctl
