#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "report/json_writer.h"

using assay::JsonWriter;

namespace {
std::string quoted(std::string_view text) {
  std::string out;
  assay::append_json_string(out, text);
  return out;
}
}  // namespace

TEST_CASE("strings from hostile input always become valid JSON") {
  CHECK(quoted("plain") == "\"plain\"");
  CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quoted("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  CHECK(quoted(std::string_view("\x00\x01\x1f", 3)) == "\"\\u0000\\u0001\\u001f\"");
  CHECK(quoted("\x7f") == "\"\x7f\"");  // DEL is allowed unescaped by JSON
  // Valid UTF-8 passes through untouched.
  CHECK(quoted("日本語 ü") == "\"日本語 ü\"");
  CHECK(quoted("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");
  // Invalid UTF-8 becomes U+FFFD, one per bad byte: stray continuation, truncated sequence,
  // overlong form, UTF-16 surrogate, past U+10FFFF.
  CHECK(quoted("\x80") == "\"\xEF\xBF\xBD\"");
  CHECK(quoted("a\xE6\x97") == "\"a\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(quoted("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(quoted("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(quoted("\xF4\x90\x80\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST_CASE("the writer places commas and nests objects and arrays") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field_uint("index", 0);
  w.key("list");
  w.begin_array();
  w.sint(-5);
  w.boolean(true);
  w.null();
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.end_array();
  const uint8_t digest[] = {0x00, 0xab, 0xff};
  w.key("hex");
  w.hex(digest, sizeof digest);
  w.field("s", "x");
  w.end_object();
  CHECK(out == R"({"index":0,"list":[-5,true,null,{},[]],"hex":"00abff","s":"x"})");
}

TEST_CASE("numbers are shortest round-trip and never NaN or infinity") {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.number(0.5);
  w.number(7.999);
  w.number(std::numeric_limits<double>::quiet_NaN());
  w.number(std::numeric_limits<double>::infinity());
  w.uint(UINT64_MAX);
  w.end_array();
  CHECK(out == "[0.5,7.999,null,null,18446744073709551615]");
}

TEST_CASE("pretty output indents by nesting level") {
  std::string out;
  JsonWriter w(out, true);
  w.begin_object();
  w.key("a");
  w.begin_array();
  w.uint(1);
  w.end_array();
  w.key("b");
  w.begin_object();
  w.end_object();
  w.end_object();
  CHECK(out == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}");
}
