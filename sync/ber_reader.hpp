// Reading ASN.1 BER (X.690) as a stream, for packets too large to hold: element headers one at a
// time, any element copied whole or skipped, and an OCTET STRING's contents pulled in pieces
// whether it is primitive or cut into chunks with an indefinite length (as OpenSSL's streaming
// CMS writes it). Only the framing is read here; what the elements mean is OpenSSL's to parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sync/packet.hpp"

namespace kiosk::sync::ber {

// Fills `out` with up to `n` bytes; 0 at the end, -1 on a read error.
using Pull = std::function<std::ptrdiff_t(char* out, std::size_t n)>;

struct Header {
  std::string raw;           // the identifier and length octets as they were read
  unsigned char tag = 0;     // the first identifier octet: class, constructed bit, tag number
  bool constructed = false;
  bool indefinite = false;   // ends with an end-of-contents element rather than a length
  std::uint64_t length = 0;  // of the contents, when definite
  bool end_of_contents() const { return raw.size() == 2 && raw[0] == 0 && raw[1] == 0; }
};

// Where a constructed element's children end.
struct Frame {
  bool indefinite = false;
  std::uint64_t end = 0;
};

class Reader {
 public:
  explicit Reader(Pull pull, std::uint64_t position = 0);

  std::uint64_t position() const { return position_; }  // of the next byte to be read
  Expected<Header> header();
  Frame frame(const Header& h) const { return {h.indefinite, position_ + h.length}; }
  // The next child of the element `f` frames, or nothing at its end (the end-of-contents read).
  Expected<std::optional<Header>> next(const Frame& f);

  // Up to `n` bytes, 0 only at the end of the input.
  Expected<std::size_t> read_some(char* out, std::size_t n);
  // Appends the element whose header was just read, header and contents, to `out`; refuses to
  // let `out` pass `budget` bytes.
  Expected<void> copy(const Header& h, std::string& out, std::size_t budget);
  // Reads past the element whose header was just read.
  Expected<void> skip(const Header& h);

 private:
  Expected<unsigned char> byte();
  Expected<void> walk(const Header& h, std::string* out, std::size_t budget, int depth);

  Pull pull_;
  std::vector<char> buffer_;
  std::size_t at_ = 0, filled_ = 0;
  std::uint64_t position_;
};

// The contents of an OCTET STRING (any tag, primitive or constructed) whose header was just read.
class OctetReader {
 public:
  OctetReader(Reader& r, const Header& h);
  // Up to `n` bytes of the contents; 0 once they are all read and the element is behind.
  Expected<std::size_t> read(char* out, std::size_t n);

 private:
  Reader& r_;
  std::vector<Frame> open_;  // the constructed levels being read
  std::uint64_t left_ = 0;   // in the current primitive piece
};

}  // namespace kiosk::sync::ber
