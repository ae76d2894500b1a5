// ANSI/NIST-ITL 1-2011 (Update 2015) transactions in the traditional encoding: the records and
// fields, a writer that computes every LEN and the Type-1 CNT exactly, and a reader that also
// takes other producers' files (older versions, two-digit field numbers, binary Type-3..8).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::an2k {

// Separators of the traditional encoding.
inline constexpr char kFS = 0x1C;  // ends a record
inline constexpr char kGS = 0x1D;  // between fields
inline constexpr char kRS = 0x1E;  // between subfields
inline constexpr char kUS = 0x1F;  // between information items

inline constexpr int kLen = 1;     // x.001 LEN: the record's length in bytes
inline constexpr int kIdc = 2;     // x.002 IDC (1.002 is VER in Type-1)
inline constexpr int kData = 999;  // x.999 DATA: the binary image, always the last field

using Subfields = std::vector<std::vector<std::string>>;  // subfields of information items

struct Field {
  int number = 0;
  std::string value;  // text with kRS/kUS separators, or raw bytes for kData

  Subfields subfields() const;
};

class Record {
 public:
  explicit Record(int type) : type_(type) {}

  int type() const { return type_; }
  bool binary() const { return type_ >= 3 && type_ <= 8; }
  // Sets a field, keeping the fields in number order (LEN first, DATA last).
  void set(int number, std::string value);
  void set(int number, const Subfields& subfields);
  const Field* find(int number) const;
  std::string text(int number) const;  // the field's value, or "" when absent
  const std::vector<Field>& fields() const { return fields_; }

 private:
  int type_;
  std::vector<Field> fields_;
};

struct Transaction {
  std::vector<Record> records;  // records[0] is the Type-1 record
};

// Writes the transaction. LEN of every record and the Type-1 CNT (1.003) are computed here; a
// record without an IDC gets its position. Only tagged-field records can be written.
std::expected<std::string, std::string> encode(Transaction transaction);

// Reads a transaction; on failure, says what is wrong and where.
std::expected<Transaction, std::string> decode(std::string_view bytes);

// A mnemonic for well-known fields ("LEN", "FGP", "HLL"...), or "".
std::string_view field_name(int record_type, int field_number);

}  // namespace kiosk::an2k
