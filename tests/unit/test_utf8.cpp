#include <doctest/doctest.h>

#include <string>

#include "util/utf8.h"

TEST_CASE("utf8_sequence_length accepts well-formed sequences only") {
  CHECK(assay::utf8_sequence_length("a", 0) == 0);                  // ASCII is not a multi-byte sequence
  CHECK(assay::utf8_sequence_length("\xc3\xa9", 0) == 2);           // é
  CHECK(assay::utf8_sequence_length("\xe2\x82\xac", 0) == 3);       // €
  CHECK(assay::utf8_sequence_length("\xf0\x9f\x98\x80", 0) == 4);   // U+1F600
  CHECK(assay::utf8_sequence_length("\xc0\xaf", 0) == 0);           // overlong '/'
  CHECK(assay::utf8_sequence_length("\xe0\x80\xaf", 0) == 0);       // overlong, three bytes
  CHECK(assay::utf8_sequence_length("\xed\xa0\x80", 0) == 0);       // a surrogate
  CHECK(assay::utf8_sequence_length("\xf4\x90\x80\x80", 0) == 0);   // past U+10FFFF
  CHECK(assay::utf8_sequence_length("\xe2\x82", 0) == 0);           // truncated
  CHECK(assay::utf8_sequence_length("\x82\xac", 0) == 0);           // a continuation byte
  CHECK(assay::utf8_sequence_length("x\xc3\xa9", 1) == 2);
  CHECK(assay::utf8_sequence_length("x", 5) == 0);                  // past the end
}

TEST_CASE("append_utf8 writes code points and replaces the impossible ones") {
  std::string out;
  for (uint32_t cp : {0x41u, 0xe9u, 0x20acu, 0x1f600u, 0xd800u, 0x110000u}) assay::append_utf8(out, cp);
  CHECK(out == "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("cp1252_high maps 0x80..0x9f and leaves its holes empty") {
  CHECK(assay::cp1252_high(0x80) == 0x20acu);
  CHECK(assay::cp1252_high(0x9f) == 0x0178u);
  CHECK_FALSE(assay::cp1252_high(0x81).has_value());
  CHECK_FALSE(assay::cp1252_high(0x7f).has_value());
  CHECK_FALSE(assay::cp1252_high(0xa0).has_value());
}
