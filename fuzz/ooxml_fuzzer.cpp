// libFuzzer target over the OOXML/ODF analyzer (through the C++ core): any bytes, analyzed as a
// Word package and as an OpenDocument text, which exercises its own zip directory walk, bounded
// inflation and XML tag scanner; and the same bytes straight into the XML scanner, since real
// packages rarely hand it arbitrary text.
// Oracles beyond "no crash, leak or hang": exactly one validation result, the report renders as a
// JSON array, and analyzing the same bytes twice renders the same report.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analyze/formats.h"
#include "analyze/office_xml.h"
#include "analyzer_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  assay_fuzz::check_analyzer(assay::analyze_office_open, assay::FileFormat::Docx, bytes);
  assay_fuzz::check_analyzer(assay::analyze_office_open, assay::FileFormat::Odt, bytes);
  assay::XmlScanner scanner(bytes.as_chars());
  assay::XmlTag tag;
  size_t tags = 0;
  while (scanner.next(tag)) {
    if (tag.name.data() < bytes.as_chars().data() || ++tags > size) abort();  // views into the input only
    assay::xml_attribute(tag.attributes, "Target");
    assay::xml_text(tag.text);
  }
  return 0;
}
