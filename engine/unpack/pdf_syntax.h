// PDF object syntax (ISO 32000-1 §7.3): the value model and a tolerant parser for one value.
//
// PdfValue is an owned tree (strings and names are copied out, decoded: names with their #xx escapes
// resolved, literal strings with their escapes, hex strings as bytes), so it outlives the buffer it was
// parsed from (object streams are decoded into temporaries). The parser never throws and never reads
// past its span: malformed input yields Null values or truncated containers, nesting stops at
// kMaxPdfDepth, and a shared node counter caps how many values one document may hold.
// Thread-safety: plain values; a PdfParser belongs to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/checked_reader.h"

namespace assay {

constexpr int kMaxPdfDepth = 48;
// Items kept per array or dictionary; later ones are parsed (and counted) but dropped, so one huge
// container cannot make a vector reallocate its way to several times its size.
constexpr size_t kMaxPdfContainerItems = 65'536;

enum class PdfKind : uint8_t { Null, Bool, Number, String, Name, Array, Dict, Ref };

struct PdfEntry;

struct PdfValue {
  PdfKind kind = PdfKind::Null;
  bool boolean = false;
  bool integer = false;  // a Number written without a fraction
  double number = 0;
  uint32_t ref_num = 0, ref_gen = 0;
  std::string text;               // String bytes or Name (without the slash)
  std::vector<PdfValue> items;    // Array
  std::vector<PdfEntry> entries;  // Dict, in file order

  // The value of `key` in a Dict (the last one when repeated), or nullptr.
  const PdfValue* get(std::string_view key) const;
  bool is_name(std::string_view name) const { return kind == PdfKind::Name && text == name; }
  std::optional<int64_t> as_int() const;
};

// One key and value of a dictionary (a named struct rather than std::pair, which would need PdfValue
// complete where PdfValue declares its vector of entries).
struct PdfEntry {
  PdfEntry(std::string k, PdfValue v) : key(std::move(k)), value(std::move(v)) {}
  std::string key;
  PdfValue value;
};

// Counts values across one document so a flood of tiny tokens cannot grow memory without bound: a
// value costs about 110 bytes, so one document's tree stays near 100 MiB at worst, while real files
// use far fewer (an 800-page LibreOffice PDF: well under 100,000).
struct PdfNodeBudget {
  uint64_t remaining = 1'000'000;
};

class PdfParser {
 public:
  PdfParser(ByteSpan bytes, size_t pos, PdfNodeBudget& nodes) : bytes_(bytes), pos_(pos), nodes_(nodes) {}

  // Parses the value at the cursor (skipping whitespace and comments first). A keyword that is not a
  // value (endobj, stream, R, ...) yields Null with the cursor left on it.
  PdfValue parse_value(int depth = 0);
  // Skips whitespace and comments; true when the next token is `keyword` (consumed if so).
  bool accept_keyword(std::string_view keyword);
  void skip_space();
  size_t pos() const { return pos_; }
  bool exhausted() const { return nodes_.remaining == 0; }

 private:
  int peek() const { return pos_ < bytes_.size() ? bytes_.data()[pos_] : -1; }
  std::optional<std::pair<double, bool>> read_number();
  std::string read_name();
  std::string read_literal();
  std::string read_hex();
  std::string_view read_keyword();

  ByteSpan bytes_;
  size_t pos_;
  PdfNodeBudget& nodes_;
};

bool pdf_is_space(int c);
bool pdf_is_delimiter(int c);

// A PDF text string as UTF-8: UTF-16BE with a byte order mark, UTF-8 with its BOM, or else
// PDFDocEncoding (read as Latin-1, which it equals for the printable range).
std::string pdf_text_to_utf8(std::string_view bytes);

// A PDF date ("D:YYYYMMDDHHmmSSOHH'mm'", every part after the year optional) as ISO 8601 UTC
// ("YYYY-MM-DDTHH:MM:SSZ"), or nullopt when it is not one.
std::optional<std::string> pdf_date_to_iso8601(std::string_view date);

}  // namespace assay
