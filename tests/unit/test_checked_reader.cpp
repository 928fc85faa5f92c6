#include <doctest/doctest.h>

#include <array>
#include <cstdint>

#include "util/checked_reader.h"

using assay::ByteSpan;
using assay::CheckedReader;

TEST_CASE("ByteSpan reads are bounds-checked at every edge") {
  const std::array<uint8_t, 6> bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  const ByteSpan span(bytes.data(), bytes.size());

  CHECK(span.le16(0) == 0x0201);
  CHECK(span.be16(0) == 0x0102);
  CHECK(span.le32(2) == 0x06050403u);
  CHECK(span.be32(2) == 0x03040506u);
  CHECK_FALSE(span.le32(3).has_value());  // would read byte 6
  CHECK_FALSE(span.le64(0).has_value());
  CHECK_FALSE(span.u8(6).has_value());
  CHECK_FALSE(span.le16(SIZE_MAX).has_value());  // no overflow in offset + width
  CHECK_FALSE(span.le32(SIZE_MAX - 1).has_value());
}

TEST_CASE("sub clamps, exact refuses what does not fit") {
  const std::array<uint8_t, 4> bytes{'a', 'b', 'c', 'd'};
  const ByteSpan span(bytes.data(), bytes.size());
  CHECK(span.sub(1, 2).as_chars() == "bc");
  CHECK(span.sub(2).as_chars() == "cd");
  CHECK(span.sub(3, 100).as_chars() == "d");
  CHECK(span.sub(4).empty());
  CHECK(span.sub(SIZE_MAX, SIZE_MAX).empty());
  CHECK(span.exact(0, 4).has_value());
  CHECK_FALSE(span.exact(1, 4).has_value());
  CHECK_FALSE(span.exact(SIZE_MAX, 1).has_value());
  CHECK(span.matches(1, "bcd"));
  CHECK_FALSE(span.matches(2, "cde"));
  CHECK_FALSE(span.matches(5, ""));
  CHECK(span.starts_with("ab"));
}

TEST_CASE("an empty span has no data pointer and reads nothing") {
  const uint8_t byte = 0;
  const ByteSpan span(&byte, 0);
  CHECK(span.data() == nullptr);
  CHECK_FALSE(span.u8(0).has_value());
  CHECK(span.sub(0).empty());
}

TEST_CASE("CheckedReader's error is sticky and the cursor does not move past the end") {
  const std::array<uint8_t, 5> bytes{0x10, 0x20, 0x30, 0x40, 0x50};
  CheckedReader reader(ByteSpan(bytes.data(), bytes.size()));
  CHECK(reader.u8() == 0x10);
  CHECK(reader.le32() == 0x50403020u);
  CHECK(reader.ok());
  CHECK(reader.remaining() == 0);
  CHECK(reader.le16() == 0);
  CHECK_FALSE(reader.ok());
  CHECK(reader.offset() == 5);

  CheckedReader second(ByteSpan(bytes.data(), bytes.size()));
  CHECK_FALSE(second.skip(6));
  CHECK_FALSE(second.ok());
  CHECK(second.offset() == 0);
  CheckedReader third(ByteSpan(bytes.data(), bytes.size()));
  CHECK(third.seek(3));
  CHECK(third.bytes(2).as_chars() == "\x40\x50");
  CHECK(third.bytes(1).empty());
  CHECK_FALSE(third.ok());
}
