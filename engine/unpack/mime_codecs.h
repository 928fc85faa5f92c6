// Content-transfer decoders for mail: base64, quoted-printable and uuencode (RFC 2045, POSIX uuencode).
//
// They decode the way mail readers do rather than the way the RFCs would like: characters outside
// the base64 alphabet are skipped, a malformed quoted-printable escape stays literal, a uuencoded line
// with missing trailing blanks still decodes. Output never exceeds the input's size, and every decoder
// can be fed its input in slices, so callers (unpack/mime.cpp) charge the Budget after each slice.
//
// Thread-safety: plain functions and small value types; a decoder object belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::mime {

// Base64 with a table-driven fast path over whole quanta and a per-character path for everything
// else (line breaks, garbage, padding). '=' ends the current quantum; decoding continues after it,
// since some senders concatenate encoded blocks. State carries across feed() calls.
class Base64Decoder {
 public:
  void feed(std::string_view in, std::vector<uint8_t>& out);
  // A trailing quantum of two or three characters still yields its bytes, as readers do.
  void finish(std::vector<uint8_t>& out);

 private:
  uint32_t bits_ = 0;
  int count_ = 0;  // characters held in bits_ (0..3)
};

// Decodes a whole base64 text at once (headers, small values).
std::vector<uint8_t> decode_base64(std::string_view in);

// Quoted-printable: "=XY" (either case) is a byte, '=' followed by blanks and a line break is a soft
// line break, any other '=' stays literal; nothing else changes. Stateless: feed it slices that end
// where qp_slice_end() says, so no escape is cut in two.
void decode_quoted_printable(std::string_view in, std::vector<uint8_t>& out);

// The end of a slice of `in` of about `wanted` bytes that does not cut an escape or a soft break:
// the last line break in the last 4 KiB before `wanted`, else `wanted` moved back before a nearby '='.
size_t qp_slice_end(std::string_view in, size_t wanted);

// RFC 2047 "Q" encoding: quoted-printable where '_' is a space.
std::string decode_q_encoding(std::string_view in);

// One line of uuencode (length character, then groups of four characters). Returns false when the
// line is not uuencode (characters outside ' '..'`'); a line whose trailing blanks were stripped
// decodes as if they were still there, up to the last group that has a character.
bool decode_uu_line(std::string_view line, std::vector<uint8_t>& out);

// A "begin <mode> <name>" ... "end" block (or GNU "begin-base64" ... "====") inside a text.
struct UuBlock {
  size_t begin = 0;       // offset of the "begin" line
  size_t data_begin = 0;  // first encoded line
  size_t data_end = 0;    // end of the last encoded line (the "end" line or the text's end)
  size_t end = 0;         // after the "end" line: where to search for the next block
  bool base64 = false;    // begin-base64
  std::string_view name;  // as written (not decoded)
};

// The first block whose "begin" line starts at or after `from`, if any.
std::optional<UuBlock> find_uu_block(std::string_view text, size_t from);

}  // namespace assay::mime
