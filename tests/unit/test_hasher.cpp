#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "hash/digest_task.h"
#include "hash/hasher.h"

namespace {

std::string hex(const uint8_t* bytes, size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0xF]);
  }
  return out;
}

template <typename Array>
std::string hex(const Array& digest) {
  return hex(digest.data(), digest.size());
}

assay::ByteSpan span_of(const std::string& text) {
  return assay::ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

TEST_CASE("digests of the standard test vectors (FIPS 180, RFC 1321)") {
  assay::Hasher hasher;
  const std::string abc = "abc";
  const assay::Digests d = hasher.digest(span_of(abc));
  CHECK(hex(d.md5) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(hex(d.sha1) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex(d.sha256) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(d.sha512) ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
        "454d4423643ce80e2a9ac94fa54ca49f");

  // The contexts are reused: a second, different object must not inherit anything from the first.
  const assay::Digests empty = hasher.digest(assay::ByteSpan());
  CHECK(hex(empty.md5) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(hex(empty.sha256) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(empty.entropy == 0.0);
}

TEST_CASE("hashing across block boundaries equals hashing in one go") {
  // One million 'a' (FIPS 180-2 long message vector), which spans many internal blocks.
  const std::string million(1'000'000, 'a');
  assay::Hasher hasher;
  const assay::Digests d = hasher.digest(span_of(million));
  CHECK(hex(d.sha1) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  CHECK(hex(d.sha256) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(d.entropy == 0.0);
}

TEST_CASE("entropy is 8 bits for a uniform histogram and 1 bit for two equal symbols") {
  std::vector<uint8_t> uniform;
  for (int round = 0; round < 64; ++round) {
    for (int b = 0; b < 256; ++b) uniform.push_back(static_cast<uint8_t>(b));
  }
  assay::Hasher hasher;
  CHECK(hasher.digest(assay::ByteSpan(uniform.data(), uniform.size())).entropy == doctest::Approx(8.0));
  const std::string two = "abababab";
  CHECK(hasher.digest(span_of(two)).entropy == doctest::Approx(1.0));
}

TEST_CASE("the fast histogram and entropy_of agree with a plain count") {
  std::vector<uint8_t> bytes(100'003);
  uint32_t x = 12345;
  for (auto& b : bytes) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 24 & 0x3F);  // 64 symbols
  std::array<uint64_t, 256> plain{}, fast{};
  for (const uint8_t b : bytes) ++plain[b];
  assay::add_to_histogram(assay::ByteSpan(bytes.data(), bytes.size()), fast);
  CHECK(plain == fast);
  CHECK(assay::entropy_of(assay::ByteSpan(bytes.data(), bytes.size())) ==
        doctest::Approx(assay::shannon_entropy(plain, bytes.size())));
  CHECK(assay::entropy_of(assay::ByteSpan(bytes.data(), bytes.size())) > 5.9);
}

TEST_CASE("a helper thread's digests equal the scanning thread's") {
  std::vector<uint8_t> bytes(3 * 1024 * 1024 + 17);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  const assay::ByteSpan span(bytes.data(), bytes.size());
  assay::Hasher hasher;
  const assay::Digests here = hasher.digest(span);
  assay::DigestTask task(span);
  const assay::Digests there = task.get(hasher);
  CHECK(hex(there.md5) == hex(here.md5));
  CHECK(hex(there.sha1) == hex(here.sha1));
  CHECK(hex(there.sha256) == hex(here.sha256));
  CHECK(hex(there.sha512) == hex(here.sha512));
  CHECK(there.entropy == 0.0);  // the caller computes entropy itself
  CHECK(here.entropy > 7.0);
}
