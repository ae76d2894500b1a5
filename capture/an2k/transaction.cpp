// Traditional encoding of ANSI/NIST-ITL transactions: reading and writing records and fields.
#include "capture/an2k/transaction.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

namespace kiosk::an2k {
namespace {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string join(const Subfields& subfields) {
  std::string out;
  for (std::size_t s = 0; s < subfields.size(); ++s) {
    if (s > 0) out += kRS;
    for (std::size_t i = 0; i < subfields[s].size(); ++i) {
      if (i > 0) out += kUS;
      out += subfields[s][i];
    }
  }
  return out;
}

std::size_t digits(std::size_t n) { return std::to_string(n).size(); }

std::string tag(int type, int number) {
  std::string n = std::to_string(number);
  if (n.size() < 3) n.insert(0, 3 - n.size(), '0');
  return std::to_string(type) + "." + n + ":";
}

std::string two_digits(int n) { return n < 10 ? "0" + std::to_string(n) : std::to_string(n); }

// One tagged-field record, LEN computed so that it counts itself exactly.
std::string encode_record(const Record& record) {
  std::string body;
  for (const Field& f : record.fields()) {
    if (f.number == kLen) continue;
    body += kGS;
    body += tag(record.type(), f.number) + f.value;
  }
  body += kFS;
  const std::string head = tag(record.type(), kLen);
  std::size_t length = head.size() + 1 + body.size();
  while (digits(length) + head.size() + body.size() != length) {
    length = head.size() + digits(length) + body.size();
  }
  return head + std::to_string(length) + body;
}

std::expected<int, std::string> parse_number(std::string_view text, std::string_view what) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::unexpected(std::string(what) + " \"" + std::string(text) + "\" is not a number");
  }
  return value;
}

struct Cursor {
  std::string_view bytes;
  std::size_t pos = 0;
  std::size_t remaining() const { return bytes.size() - pos; }
};

std::string where(std::size_t index, int type) {
  return "record " + std::to_string(index + 1) + " (Type-" + std::to_string(type) + ")";
}

// A tagged-field record starting at the cursor.
std::expected<Record, std::string> decode_tagged(Cursor& c, std::size_t index, int expected_type) {
  const std::string_view rest = c.bytes.substr(c.pos);
  const std::size_t colon = rest.find(':');
  const std::size_t dot = rest.find('.');
  if (colon == std::string_view::npos || dot == std::string_view::npos || dot > colon ||
      colon > 16) {
    return std::unexpected(where(index, expected_type) + " at byte " + std::to_string(c.pos) +
                           ": no field tag; this is not an ANSI/NIST-ITL transaction");
  }
  auto type = parse_number(rest.substr(0, dot), "record type");
  auto field = parse_number(rest.substr(dot + 1, colon - dot - 1), "field number");
  if (!type || !field) return std::unexpected(where(index, expected_type) + ": " + (type ? field.error() : type.error()));
  if (*field != kLen) return std::unexpected(where(index, *type) + ": does not begin with its LEN field");
  if (expected_type > 0 && *type != expected_type) {
    return std::unexpected(where(index, *type) + ": Type-1 CNT announced Type-" +
                           std::to_string(expected_type));
  }
  const std::size_t value_end = rest.find_first_of(std::string_view("\x1D\x1C", 2), colon);
  auto length = parse_number(rest.substr(colon + 1, value_end - colon - 1), "LEN");
  if (!length) return std::unexpected(where(index, *type) + ": " + length.error());
  if (*length < static_cast<int>(colon + 2) || static_cast<std::size_t>(*length) > rest.size()) {
    return std::unexpected(where(index, *type) + " says it is " + std::to_string(*length) +
                           " bytes long, but " + std::to_string(rest.size()) +
                           " bytes are left in the file (truncated?)");
  }
  const std::string_view bytes = rest.substr(0, static_cast<std::size_t>(*length));
  if (bytes.back() != kFS) {
    return std::unexpected(where(index, *type) + ": does not end where its LEN says");
  }
  Record record(*type);
  std::size_t pos = 0;
  while (pos < bytes.size() - 1) {
    const std::size_t field_colon = bytes.find(':', pos);
    const std::size_t field_dot = bytes.find('.', pos);
    if (field_colon == std::string_view::npos || field_dot > field_colon) {
      return std::unexpected(where(index, *type) + ": bad field tag at byte " + std::to_string(pos));
    }
    auto number = parse_number(bytes.substr(field_dot + 1, field_colon - field_dot - 1), "field number");
    if (!number) return std::unexpected(where(index, *type) + ": " + number.error());
    std::size_t end;
    if (*number == kData) {
      end = bytes.size() - 1;  // binary to the end of the record
      // Unless another DATA field follows at once (NIST's valid1.7.an2 has a short text 14.999
      // before the image): then this one ends at the separator, and the image is the later one.
      const std::string repeat = std::string(1, kGS) + std::to_string(*type) + ".999:";
      const std::size_t next = bytes.find(kGS, field_colon);
      if (next != std::string_view::npos && bytes.substr(next, repeat.size()) == repeat) end = next;
    } else {
      end = bytes.find(kGS, field_colon);
      if (end == std::string_view::npos || end > bytes.size() - 1) end = bytes.size() - 1;
    }
    record.set(*number, std::string(bytes.substr(field_colon + 1, end - field_colon - 1)));
    pos = end + 1;
  }
  c.pos += bytes.size();
  return record;
}

// A binary record (Type-3 to 8): a 4-byte big-endian length and a 1-byte IDC, then fixed fields
// and the image; kept as IDC plus everything after it as DATA.
std::expected<Record, std::string> decode_binary(Cursor& c, std::size_t index, int type) {
  if (c.remaining() < 5) return std::unexpected(where(index, type) + ": truncated header");
  const auto* p = reinterpret_cast<const unsigned char*>(c.bytes.data() + c.pos);
  const std::size_t length = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) |
                             (std::size_t(p[2]) << 8) | std::size_t(p[3]);
  if (length < 5 || length > c.remaining()) {
    return std::unexpected(where(index, type) + " says it is " + std::to_string(length) +
                           " bytes long, but " + std::to_string(c.remaining()) +
                           " bytes are left in the file (truncated?)");
  }
  Record record(type);
  record.set(kIdc, two_digits(p[4]));
  record.set(kData, std::string(c.bytes.substr(c.pos + 5, length - 5)));
  c.pos += length;
  return record;
}

}  // namespace

Subfields Field::subfields() const {
  Subfields out;
  for (const auto& s : split(value, kRS)) out.push_back(split(s, kUS));
  return out;
}

void Record::set(int number, std::string value) {
  auto it = std::lower_bound(fields_.begin(), fields_.end(), number,
                             [](const Field& f, int n) { return f.number < n; });
  if (it != fields_.end() && it->number == number) {
    it->value = std::move(value);
  } else {
    fields_.insert(it, Field{number, std::move(value)});
  }
}

void Record::set(int number, const Subfields& subfields) { set(number, join(subfields)); }

const Field* Record::find(int number) const {
  auto it = std::find_if(fields_.begin(), fields_.end(), [&](const Field& f) { return f.number == number; });
  return it == fields_.end() ? nullptr : &*it;
}

std::string Record::text(int number) const {
  const Field* f = find(number);
  return f != nullptr ? f->value : std::string();
}

std::expected<std::string, std::string> encode(Transaction t) {
  if (t.records.empty() || t.records[0].type() != 1) {
    return std::unexpected("a transaction begins with its Type-1 record");
  }
  Subfields cnt = {{"1", std::to_string(t.records.size() - 1)}};
  for (std::size_t i = 1; i < t.records.size(); ++i) {
    Record& r = t.records[i];
    if (r.type() == 1) return std::unexpected("record " + std::to_string(i + 1) + " is a second Type-1");
    if (r.binary()) {
      return std::unexpected("record " + std::to_string(i + 1) + ": binary Type-" +
                             std::to_string(r.type()) + " records are read, not written");
    }
    if (r.find(kIdc) == nullptr) r.set(kIdc, two_digits(static_cast<int>(i)));
    cnt.push_back({std::to_string(r.type()), r.text(kIdc)});
  }
  t.records[0].set(3, cnt);
  std::string out;
  for (const Record& r : t.records) out += encode_record(r);
  return out;
}

std::expected<Transaction, std::string> decode(std::string_view bytes) {
  Cursor c{bytes};
  Transaction t;
  auto first = decode_tagged(c, 0, 1);
  if (!first) return std::unexpected(first.error());
  const Field* cnt = first->find(3);
  if (cnt == nullptr) return std::unexpected("the Type-1 record has no CNT (1.003)");
  const Subfields contents = cnt->subfields();
  t.records.push_back(std::move(*first));
  for (std::size_t i = 1; i < contents.size(); ++i) {
    auto type = parse_number(contents[i].empty() ? "" : contents[i][0], "record type in CNT");
    if (!type) return std::unexpected(type.error());
    if (c.remaining() == 0) {
      return std::unexpected("the file ends after " + std::to_string(i) + " of " +
                             std::to_string(contents.size()) + " records listed in CNT");
    }
    const bool binary = *type >= 3 && *type <= 8;
    auto record = binary ? decode_binary(c, i, *type) : decode_tagged(c, i, *type);
    if (!record) return std::unexpected(record.error());
    t.records.push_back(std::move(*record));
  }
  if (c.remaining() != 0) {
    return std::unexpected(std::to_string(c.remaining()) + " bytes follow the last record in CNT");
  }
  return t;
}

std::string_view field_name(int type, int number) {
  static const std::map<std::pair<int, int>, std::string_view> kNames = {
      {{1, 1}, "LEN"},   {{1, 2}, "VER"},   {{1, 3}, "CNT"},   {{1, 4}, "TOT"},
      {{1, 5}, "DAT"},   {{1, 6}, "PRY"},   {{1, 7}, "DAI"},   {{1, 8}, "ORI"},
      {{1, 9}, "TCN"},   {{1, 10}, "TCR"},  {{1, 11}, "NSR"},  {{1, 12}, "NTR"},
      {{1, 13}, "DOM"},  {{1, 14}, "GMT"},  {{1, 15}, "DCS"},  {{10, 3}, "IMT"},
      {{10, 4}, "SRC"},  {{10, 5}, "PHD"},  {{10, 6}, "HLL"},  {{10, 7}, "VLL"},
      {{10, 8}, "SLC"},  {{10, 9}, "THPS"}, {{10, 10}, "TVPS"}, {{10, 11}, "CGA"},
      {{10, 12}, "CSP"}, {{10, 13}, "SAP"}, {{10, 20}, "POS"}, {{10, 23}, "PAS"},
      {{14, 3}, "IMP"},  {{14, 4}, "SRC"},
      {{14, 5}, "FCD"},  {{14, 6}, "HLL"},  {{14, 7}, "VLL"},  {{14, 8}, "SLC"},
      {{14, 9}, "THPS"}, {{14, 10}, "TVPS"}, {{14, 11}, "CGA"}, {{14, 12}, "BPX"},
      {{14, 13}, "FGP"}, {{14, 18}, "AMP"},  {{14, 22}, "NQM"}, {{14, 24}, "FQM"},
  };
  if (number == kLen) return "LEN";
  if (number == kIdc && type != 1) return "IDC";
  if (number == kData) return "DATA";
  const auto it = kNames.find({type, number});
  return it == kNames.end() ? std::string_view() : it->second;
}

}  // namespace kiosk::an2k
