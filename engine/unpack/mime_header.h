// Mail header blocks (RFC 5322) and the structured MIME fields in them (RFC 2045, 2183, 2231), read
// the tolerant way mail readers do. Shared by the MIME unpacker (unpack/mime.cpp) and the e-mail
// analyzer (analyze/email.cpp).
//
// A HeaderBlock only records where each field's name and raw (still folded) value lie in the
// entity's bytes; decoding happens on demand, and every list is capped, so a hostile header block
// costs time linear in its size and bounded memory.
//
// Thread-safety: plain functions and values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace assay::mime {

struct HeaderField {
  std::string_view name;
  std::string_view raw_value;  // after the colon, continuation lines and their line breaks included
};

struct HeaderBlock {
  std::vector<HeaderField> fields;  // in order; at most the cap given to parse_header_block
  size_t body_offset = 0;           // where the body starts in the entity
  bool fields_dropped = false;      // more fields than the cap
  bool missing_separator = false;   // the block ended at a line that is not a header, not a blank line

  // The first field called `name` (ASCII case-insensitive), or nullptr.
  const HeaderField* find(std::string_view name) const;
};

// Reads the header block at the start of `entity`. A leading mbox "From " line is skipped; the
// block ends at the first blank line, or at the first line that is neither a field nor a
// continuation (that line then starts the body, as readers treat it).
HeaderBlock parse_header_block(std::string_view entity, size_t max_fields);

// RFC 5322 unfolding (line breaks inside the value removed) and leading blanks trimmed.
std::string unfold(std::string_view raw_value);

// An unstructured field as a reader shows it: unfolded, encoded-words decoded, valid UTF-8.
std::string decode_text_field(std::string_view raw_value);

// A Content-Type or Content-Disposition value: "type/subtype; name=value; ...". Parameter values
// are decoded: quoted strings unquoted, RFC 2231 continuations joined and their charset applied,
// and RFC 2047 encoded-words (which Outlook and others put into names) decoded.
struct StructuredField {
  std::string value;                                        // lower case, e.g. "multipart/mixed"
  std::vector<std::pair<std::string, std::string>> params;  // lower-case names, UTF-8 values

  const std::string* param(std::string_view name) const;
};

StructuredField parse_structured_field(std::string_view raw_value);

// One mailbox of an address list: the display name (decoded) and the address as written.
struct Mailbox {
  std::string name;
  std::string address;
};

// An RFC 5322 address list ("A <a@x>, \"B, Jr.\" <b@y>, c@z, group: d@w;"), at most `max` entries.
std::vector<Mailbox> parse_address_list(std::string_view raw_value, size_t max);

bool equals_ignore_case(std::string_view a, std::string_view b);
std::string lower_ascii(std::string_view text);

}  // namespace assay::mime
