// PDF syntax and filters: the value parser (names with #xx escapes, literal and hex strings,
// references, bounded nesting), dates, the stream filters' edge cases (PNG and TIFF predictors, LZW
// with and without EarlyChange, ASCII85 groups, run-length, Flate with a refusing charge) and object
// discovery without a cross-reference table, object streams included.
#include <doctest/doctest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "unpack/pdf_document.h"
#include "unpack/pdf_filters.h"
#include "unpack/pdf_syntax.h"

namespace {

using namespace assay;

ByteSpan span(std::string_view text) { return ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }
std::string as_text(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }
const PdfCharge kAccept = [](size_t, size_t) { return true; };

PdfValue parse(std::string_view text) {
  PdfNodeBudget nodes;
  PdfParser parser(span(text), 0, nodes);
  return parser.parse_value();
}

}  // namespace

TEST_CASE("pdf values: dictionaries, names, strings, references") {
  const PdfValue v = parse(
      "<< /Type /Pa#67e /Kids [1 0 R 22 3 R 4] /T (a\\(b\\)c\\101\\\n(x)) /H <48 65 6c6c6f7> "
      "/N -3.5 /B true /Z null /E<<>> >>");
  REQUIRE(v.kind == PdfKind::Dict);
  CHECK(v.get("Type")->is_name("Page"));
  const PdfValue* kids = v.get("Kids");
  REQUIRE(kids->items.size() == 3);
  CHECK(kids->items[0].kind == PdfKind::Ref);
  CHECK(kids->items[1].ref_num == 22);
  CHECK(kids->items[1].ref_gen == 3);
  CHECK(kids->items[2].kind == PdfKind::Number);
  CHECK(v.get("T")->text == "a(b)cA(x)");
  CHECK(v.get("H")->text == std::string("Hello\x70", 6));
  CHECK(v.get("N")->number == doctest::Approx(-3.5));
  CHECK_FALSE(v.get("N")->integer);
  CHECK(v.get("B")->boolean);
  CHECK(v.get("Z")->kind == PdfKind::Null);
  CHECK(v.get("E")->kind == PdfKind::Dict);
}

TEST_CASE("pdf values: nesting is bounded and unterminated input ends cleanly") {
  const std::string deep(100000, '[');
  const PdfValue v = parse(deep);
  CHECK(v.kind == PdfKind::Array);
  CHECK(parse("<< /A (unterminated").get("A")->text == "unterminated");
  CHECK(parse("endobj").kind == PdfKind::Null);
}

TEST_CASE("pdf dates become ISO 8601 UTC") {
  CHECK(pdf_date_to_iso8601("D:20230102030405+02'00'") == "2023-01-02T01:04:05Z");
  CHECK(pdf_date_to_iso8601("D:20231231230000-05'30") == "2024-01-01T04:30:00Z");
  CHECK(pdf_date_to_iso8601("D:2023") == "2023-01-01T00:00:00Z");
  CHECK_FALSE(pdf_date_to_iso8601("yesterday").has_value());
  CHECK(pdf_text_to_utf8(std::string("\xFE\xFF\x00\x41\x00\xE9", 6)) == "A\xC3\xA9");
}

TEST_CASE("pdf filters: LZW, with and without EarlyChange") {
  // ISO 32000-1 §7.4.4.2's example.
  const std::string encoded("\x80\x0B\x60\x50\x22\x0C\x0C\x85\x01", 9);
  std::vector<uint8_t> out;
  CHECK(pdf_lzw_decode(span(encoded), true, out, kAccept));
  CHECK(as_text(out) == "\x2D\x2D\x2D\x2D\x2D\x41\x2D\x2D\x2D\x42");
  // Below 511 table entries both settings read the same code widths.
  std::vector<uint8_t> late;
  CHECK(pdf_lzw_decode(span(encoded), false, late, kAccept));
  CHECK(late == out);
  std::vector<uint8_t> bad;
  CHECK_FALSE(pdf_lzw_decode(span(std::string("\xFF\xFF\xFF", 3)), true, bad, kAccept));
}

TEST_CASE("pdf filters: ASCII85 groups, z, partial groups and errors") {
  std::vector<uint8_t> out;
  CHECK(pdf_ascii85_decode(span("87cURD]j7BEbo7~>"), out, kAccept));
  CHECK(as_text(out) == "Hello world");
  out.clear();
  CHECK(pdf_ascii85_decode(span("z@:\n\r\t B~>"), out, kAccept));
  CHECK(as_text(out) == std::string("\0\0\0\0ab", 6));
  out.clear();
  CHECK_FALSE(pdf_ascii85_decode(span("87cURD]j7BEbo7AA~>"), out, kAccept));  // one leftover character
  out.clear();
  CHECK(pdf_ascii85_decode(span("s8W-!"), out, kAccept));  // the largest group
  CHECK(out == std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xFF});
  out.clear();
  CHECK_FALSE(pdf_ascii85_decode(span("uuuuu"), out, kAccept));  // a group above 2^32-1
  out.clear();
  CHECK_FALSE(pdf_ascii85_decode(span("87cU{"), out, kAccept));
}

TEST_CASE("pdf filters: hex, run-length") {
  std::vector<uint8_t> out;
  CHECK(pdf_ascii_hex_decode(span("48 65\n6C6c 6f7>ignored"), out, kAccept));
  CHECK(as_text(out) == "Hello\x70");
  out.clear();
  CHECK(pdf_run_length_decode(span(std::string("\x02"
                                               "abc"
                                               "\xFE"
                                               "x"
                                               "\x80"
                                               "zz",
                                               9)),
                              out, kAccept));
  CHECK(as_text(out) == "abcxxx");
  out.clear();
  CHECK_FALSE(pdf_run_length_decode(span(std::string("\x05"
                                                     "ab",
                                                     3)),
                                    out, kAccept));
  CHECK(as_text(out) == "ab");
}

TEST_CASE("pdf filters: PNG and TIFF predictors") {
  // Three rows of three one-byte samples: Sub, Up, Average, then Paeth.
  const std::string png(
      "\x01\x01\x01\x01"
      "\x02\x01\x01\x01"
      "\x03\x02\x02\x02"
      "\x04\x01\x00\x00",
      16);
  std::vector<uint8_t> out;
  CHECK(pdf_unpredict(span(png), 12, 1, 8, 3, out, kAccept));
  // Sub: 1 2 3. Up: 2 3 4. Average: 2+(0+2)/2=3, 2+(3+3)/2=5, 2+(5+4)/2=6. Paeth (left, up, upper
  // left): (0,3,0) picks 3 -> 4; (4,5,3) picks 5 -> 5; (5,6,5) picks 6 -> 6.
  const std::vector<uint8_t> expected{1, 2, 3, 2, 3, 4, 3, 5, 6, 4, 5, 6};
  CHECK(out == expected);
  out.clear();
  CHECK_FALSE(pdf_unpredict(span(std::string("\x07\x01\x01\x01", 4)), 12, 1, 8, 3, out, kAccept));
  out.clear();
  CHECK(pdf_unpredict(span(std::string("\x01\x01\x01\x05\x00\x00", 6)), 2, 1, 8, 3, out, kAccept));
  CHECK(out == std::vector<uint8_t>{1, 2, 3, 5, 5, 5});
}

TEST_CASE("pdf filters: Flate charges in chunks and stops when refused") {
  std::vector<uint8_t> plain(1 << 20, 'A');
  std::vector<uint8_t> packed(compressBound(plain.size()));
  uLongf packed_size = packed.size();
  REQUIRE(compress2(packed.data(), &packed_size, plain.data(), plain.size(), 9) == Z_OK);
  std::vector<uint8_t> out;
  size_t calls = 0;
  CHECK(pdf_flate_decode(ByteSpan(packed.data(), packed_size), out, [&](size_t added, size_t) {
    ++calls;
    return added <= kPdfChargeChunk;
  }));
  CHECK(out == plain);
  CHECK(calls >= plain.size() / kPdfChargeChunk);
  out.clear();
  CHECK_FALSE(
      pdf_flate_decode(ByteSpan(packed.data(), packed_size), out, [](size_t, size_t total) { return total < 100000; }));
  CHECK(out.size() <= 100000 + kPdfChargeChunk);
  // A chain through /DecodeParms: Flate then a PNG Up predictor.
  const std::string rows("\x02\x01\x02\x02\x01\x01", 6);
  std::vector<uint8_t> deflated(64);
  uLongf deflated_size = deflated.size();
  REQUIRE(compress2(deflated.data(), &deflated_size, reinterpret_cast<const uint8_t*>(rows.data()), rows.size(), 9) ==
          Z_OK);
  const PdfValue dict = parse("<< /Filter [/FlateDecode] /DecodeParms [<< /Predictor 12 /Columns 2 >>] >>");
  CHECK(pdf_decode_stream(ByteSpan(deflated.data(), deflated_size), dict, out, kAccept).status ==
        PdfDecodeStatus::Complete);
  CHECK(out == std::vector<uint8_t>{1, 2, 2, 3});
  const PdfValue image = parse("<< /Filter [/AHx /DCTDecode] >>");
  const PdfDecodeResult result = pdf_decode_stream(span("FFD8FF>"), image, out, kAccept);
  CHECK(result.status == PdfDecodeStatus::Unsupported);
  CHECK(result.detail == "DCTDecode");
  CHECK(out == std::vector<uint8_t>{0xFF, 0xD8, 0xFF});
}

TEST_CASE("pdf documents: objects found without an xref, object streams read") {
  const std::string pdf =
      "%PDF-1.5\n"
      "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
      "2 0 obj << /Type /Pages /Count 7 >> endobj\n"
      "3 0 obj << /Type /ObjStm /N 2 /First 9 /Length 38 >>\nstream\n"
      "10 0 11 7 (ten) << /Title (eleven) >>\nendstream endobj\n"
      "4 0 obj << /Length 999 >>\nstream\nraw endstream inside? no: this one\nendstream\nendobj\n"
      "5 0 obj (five) endobj\n"
      "trailer << /Root 1 0 R /Info 11 0 R >>\n";
  const PdfDocument doc = PdfDocument::scan(span(pdf), kAccept);
  CHECK(doc.version() == "1.5");
  CHECK(doc.objects().size() == 7);
  REQUIRE(doc.object(10) != nullptr);
  CHECK(doc.object(10)->value.text == "ten");
  CHECK(doc.object(10)->object_stream == 3);
  const PdfValue* info = doc.resolve(doc.trailer().get("Info"));
  REQUIRE(info != nullptr);
  REQUIRE(info->get("Title") != nullptr);
  CHECK(info->get("Title")->text == "eleven");
  CHECK(doc.object(4)->has_stream);
  CHECK(doc.object(4)->stream.as_chars() == "raw ");
  CHECK(doc.object(5)->value.text == "five");
}
