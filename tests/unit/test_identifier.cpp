#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "hash/hasher.h"
#include "identify/identify.h"

namespace {

std::vector<uint8_t> pseudo_random(size_t size) {
  std::vector<uint8_t> bytes(size);
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (uint8_t& b : bytes) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    b = static_cast<uint8_t>(state >> 24);
  }
  return bytes;
}

}  // namespace

TEST_CASE("random-looking data is told apart by a size-aware entropy bar") {
  assay::Hasher hasher;
  for (size_t size : {256u, 1024u, 4096u, 65536u}) {
    const auto bytes = pseudo_random(size);
    const double entropy = hasher.digest(assay::ByteSpan(bytes.data(), bytes.size())).entropy;
    CAPTURE(size);
    CHECK(assay::Identifier::looks_random(entropy, size));
  }
  CHECK_FALSE(assay::Identifier::looks_random(7.99, 100));   // too small to judge
  CHECK_FALSE(assay::Identifier::looks_random(6.0, 4096));   // structured binary
  CHECK_FALSE(assay::Identifier::looks_random(7.5, 65536));  // compressed-ish but not random enough
}

TEST_CASE("unknown binary reaches libmagic only when it is not random") {
  const assay::Identifier identifier;
  const auto random = pseudo_random(4096);
  assay::Hasher hasher;
  const double entropy = hasher.digest(assay::ByteSpan(random.data(), random.size())).entropy;
  const auto skipped = identifier.identify(assay::ByteSpan(random.data(), random.size()), "x.bin", entropy);
  CHECK(skipped.format == assay::FileFormat::Binary);
  CHECK(skipped.magic_description.empty());
  const auto asked = identifier.identify(assay::ByteSpan(random.data(), random.size()), "x.bin");
  CHECK(asked.format == assay::FileFormat::Binary);
  CHECK(asked.magic_description == "data");  // what libmagic says of random bytes
}
