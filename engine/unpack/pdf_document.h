// A PDF file's objects, found by scanning rather than through the cross-reference table.
//
// Malformed and hostile PDFs routinely carry wrong or missing xref tables, so PdfDocument repairs by
// scanning: every "N G obj" in the file is an object (a later definition of the same number wins, as
// an incremental update would), every "trailer" dictionary and cross-reference stream dictionary is a
// trailer (the last one with a /Root or /Info wins), and the objects inside object streams
// (/Type /ObjStm) are parsed from their decoded contents. Streams stay borrowed spans of the input;
// only object streams are decoded here, through the caller's PdfCharge.
//
// Bounded: at most kMaxPdfObjects objects, kMaxPdfObjectStreams object streams, nesting and the node
// budget of pdf_syntax.h. Problems found while reading are kept (capped) for validation warnings.
// Ownership: borrows the input bytes, which must outlive the document. Thread-safety: one thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "unpack/pdf_filters.h"
#include "unpack/pdf_syntax.h"

namespace assay {

constexpr size_t kMaxPdfObjects = 200'000;
constexpr size_t kMaxPdfObjectStreams = 10'000;

struct PdfObject {
  uint32_t number = 0;
  uint32_t generation = 0;
  PdfValue value;
  bool has_stream = false;
  ByteSpan stream;             // the raw (still filtered) stream data, borrowed from the input
  uint32_t object_stream = 0;  // the object stream that held it, 0 when it stood in the file
  size_t offset = 0;           // where "N G obj" starts in the file (object streams: their own offset)
};

class PdfDocument {
 public:
  // Scans `bytes`; object streams are decoded with `charge` (a refusal leaves their objects out and
  // sets stopped()).
  static PdfDocument scan(ByteSpan bytes, const PdfCharge& charge);

  // Objects by number (the winning definition of each).
  const std::map<uint32_t, PdfObject>& objects() const { return objects_; }
  const PdfObject* object(uint32_t number) const;
  // Follows a reference (and chains of them, a few deep); a direct value is returned as is.
  const PdfValue* resolve(const PdfValue* value) const;
  // The trailer dictionary (Null when none was found).
  const PdfValue& trailer() const { return trailer_; }
  // "1.7": the header's version, or the catalog's /Version when that is later.
  const std::string& version() const { return version_; }
  const std::vector<std::string>& problems() const { return problems_; }
  bool stopped() const { return stopped_; }

 private:
  void scan_objects(ByteSpan bytes);
  void read_object_streams(const PdfCharge& charge);
  void apply_indirect_lengths(ByteSpan bytes);
  void find_trailer(ByteSpan bytes);
  void problem(std::string text);

  std::map<uint32_t, PdfObject> objects_;
  PdfValue trailer_;
  std::string version_;
  std::vector<std::string> problems_;
  PdfNodeBudget nodes_;
  bool stopped_ = false;
  size_t endstream_search_from_ = SIZE_MAX;  // the last search for "endstream" and its result
  size_t endstream_at_ = 0;
};

}  // namespace assay
