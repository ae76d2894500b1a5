// BER framing read as a stream; see ber_reader.hpp.
#include "sync/ber_reader.hpp"

#include <algorithm>
#include <cstring>

namespace kiosk::sync::ber {
namespace {

constexpr std::size_t kBuffer = 64 * 1024;
constexpr int kDeepest = 32;  // nesting of indefinite lengths walked; CMS needs a handful

std::unexpected<std::string> broken(const std::string& what) {
  return std::unexpected("broken BER: " + what);
}

}  // namespace

Reader::Reader(Pull pull, std::uint64_t position)
    : pull_(std::move(pull)), buffer_(kBuffer), position_(position) {}

Expected<std::size_t> Reader::read_some(char* out, std::size_t n) {
  if (n == 0) return 0;
  if (at_ == filled_) {
    // Large reads skip the buffer.
    if (n >= buffer_.size()) {
      const std::ptrdiff_t got = pull_(out, n);
      if (got < 0) return std::unexpected(std::string("cannot read the packet"));
      position_ += static_cast<std::uint64_t>(got);
      return static_cast<std::size_t>(got);
    }
    const std::ptrdiff_t got = pull_(buffer_.data(), buffer_.size());
    if (got < 0) return std::unexpected(std::string("cannot read the packet"));
    at_ = 0;
    filled_ = static_cast<std::size_t>(got);
    if (filled_ == 0) return 0;
  }
  const std::size_t take = std::min(n, filled_ - at_);
  std::memcpy(out, buffer_.data() + at_, take);
  at_ += take;
  position_ += take;
  return take;
}

Expected<unsigned char> Reader::byte() {
  char c = 0;
  auto got = read_some(&c, 1);
  if (!got) return std::unexpected(got.error());
  if (*got == 0) return broken("the data ends inside an element");
  return static_cast<unsigned char>(c);
}

Expected<Header> Reader::header() {
  Header h;
  auto first = byte();
  if (!first) return std::unexpected(first.error());
  h.tag = *first;
  h.constructed = (h.tag & 0x20) != 0;
  h.raw += static_cast<char>(h.tag);
  if ((h.tag & 0x1F) == 0x1F) {  // high tag number: base-128 octets, the last without bit 8
    for (int i = 0;; ++i) {
      auto more = byte();
      if (!more) return std::unexpected(more.error());
      h.raw += static_cast<char>(*more);
      if ((*more & 0x80) == 0) break;
      if (i == 8) return broken("a tag number longer than 64 bits");
    }
  }
  auto length = byte();
  if (!length) return std::unexpected(length.error());
  h.raw += static_cast<char>(*length);
  if (*length == 0x80) {
    if (!h.constructed) return broken("a primitive element with an indefinite length");
    h.indefinite = true;
  } else if (*length < 0x80) {
    h.length = *length;
  } else {
    const int octets = *length & 0x7F;
    if (octets > 8) return broken("a length of more than 8 octets");
    for (int i = 0; i < octets; ++i) {
      auto more = byte();
      if (!more) return std::unexpected(more.error());
      h.raw += static_cast<char>(*more);
      if (h.length >> 56 != 0) return broken("a length past 2^64");
      h.length = (h.length << 8) | *more;
    }
  }
  return h;
}

Expected<std::optional<Header>> Reader::next(const Frame& f) {
  if (!f.indefinite) {
    if (position_ == f.end) return std::optional<Header>();
    if (position_ > f.end) return broken("an element runs past the one that holds it");
  }
  auto h = header();
  if (!h) return std::unexpected(h.error());
  if (h->end_of_contents()) {
    if (f.indefinite) return std::optional<Header>();
    return broken("an end-of-contents inside an element of definite length");
  }
  if (!f.indefinite && !h->indefinite && h->length > f.end - position_) {
    return broken("an element runs past the one that holds it");
  }
  return std::optional<Header>(std::move(*h));
}

Expected<void> Reader::walk(const Header& h, std::string* out, std::size_t budget, int depth) {
  if (out != nullptr) {
    if (out->size() + h.raw.size() > budget) return broken("an element larger than expected");
    *out += h.raw;
  }
  if (h.indefinite) {
    if (depth == kDeepest) return broken("indefinite lengths nested too deep");
    const Frame f = frame(h);
    for (;;) {
      auto child = next(f);
      if (!child) return std::unexpected(child.error());
      if (!*child) break;
      if (auto ok = walk(**child, out, budget, depth + 1); !ok) return ok;
    }
    if (out != nullptr) *out += std::string("\0\0", 2);
    return {};
  }
  if (out != nullptr && h.length > budget - out->size()) {
    return broken("an element larger than expected");
  }
  char piece[16 * 1024];
  for (std::uint64_t left = h.length; left > 0;) {
    auto got = read_some(piece, static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof piece)));
    if (!got) return std::unexpected(got.error());
    if (*got == 0) return broken("the data ends inside an element");
    if (out != nullptr) out->append(piece, *got);
    left -= *got;
  }
  return {};
}

Expected<void> Reader::copy(const Header& h, std::string& out, std::size_t budget) {
  return walk(h, &out, budget, 0);
}

Expected<void> Reader::skip(const Header& h) { return walk(h, nullptr, 0, 0); }

OctetReader::OctetReader(Reader& r, const Header& h) : r_(r) {
  if (h.constructed) {
    open_.push_back(r.frame(h));
  } else {
    left_ = h.length;
  }
}

Expected<std::size_t> OctetReader::read(char* out, std::size_t n) {
  while (left_ == 0) {
    if (open_.empty()) return 0;
    auto piece = r_.next(open_.back());
    if (!piece) return std::unexpected(piece.error());
    if (!*piece) {
      open_.pop_back();
      continue;
    }
    if (((*piece)->tag & 0xDF) != 0x04) return broken("a piece of an OCTET STRING is something else");
    if ((*piece)->constructed) {
      if (open_.size() == kDeepest) return broken("an OCTET STRING nested too deep");
      open_.push_back(r_.frame(**piece));
    } else {
      left_ = (*piece)->length;
    }
  }
  auto got = r_.read_some(out, static_cast<std::size_t>(std::min<std::uint64_t>(n, left_)));
  if (!got) return std::unexpected(got.error());
  if (*got == 0 && n > 0) return broken("the data ends inside an OCTET STRING");
  left_ -= *got;
  return *got;
}

}  // namespace kiosk::sync::ber
