// A small, bounded XML tag scanner for the metadata parts of office packages (docProps/core.xml,
// docProps/app.xml, meta.xml, *.rels). Not a parser: it walks tags left to right, skipping comments,
// processing instructions, CDATA and DOCTYPE, and hands out each tag's name, its raw attribute text and
// the character data up to the next tag. That is all these flat, machine-written parts need, and it
// costs one pass over at most the bytes given, whatever the input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace assay {

struct XmlTag {
  std::string_view name;        // qualified, e.g. "dc:title"
  std::string_view attributes;  // the raw text between the name and '>' (or "/>")
  std::string_view text;        // raw character data from after the tag to the next '<'
  bool closing = false;         // </name>
  bool self_closing = false;    // <name ... />
};

class XmlScanner {
 public:
  explicit XmlScanner(std::string_view xml) : xml_(xml) {}
  // The next element tag, or false at the end (or at a tag that never closes).
  bool next(XmlTag& tag);

 private:
  std::string_view xml_;
  size_t at_ = 0;
};

// "dc:title" -> "title".
std::string_view xml_local_name(std::string_view qualified);

// The value of attribute `name` (matched on its local name when `name` has no prefix), decoded.
std::optional<std::string> xml_attribute(std::string_view attributes, std::string_view name);

// Character data with the five predefined entities and numeric references decoded, whitespace
// trimmed, at most `max_bytes` long.
std::string xml_text(std::string_view raw, size_t max_bytes = 4096);

}  // namespace assay
