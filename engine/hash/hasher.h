// hash/: md5, sha1, sha256, sha512 and Shannon entropy of an object, in one pass over its bytes.
//
// The four digests and the byte histogram are fed the same cache-sized block in turn, so each byte
// is read from memory once. OpenSSL digest implementations are fetched once per process and the
// EVP contexts are reused for every object a Hasher sees.
//
// Thread-safety: a Hasher holds per-thread state; give each scanning thread its own.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "util/checked_reader.h"

namespace assay {

struct Digests {
  std::array<uint8_t, 16> md5{};
  std::array<uint8_t, 20> sha1{};
  std::array<uint8_t, 32> sha256{};
  std::array<uint8_t, 64> sha512{};
  double entropy = 0.0;  // bits per byte, 0..8
};

class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // With Entropy::Skip, `entropy` stays 0 (a caller that computes it on another thread).
  enum class Entropy { Compute, Skip };
  Digests digest(ByteSpan bytes, Entropy entropy = Entropy::Compute);

  // The same digests, calling `done(offset, length)` after each `window` bytes have been read for
  // the last time, so that the pages of a mapped file can be given back as hashing moves on.
  using WindowDone = std::function<void(size_t offset, size_t length)>;
  Digests digest_windows(ByteSpan bytes, Entropy entropy, size_t window, const WindowDone& done);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> contexts_;
};

// Shannon entropy (bits per byte) of a byte histogram over `total` bytes.
double shannon_entropy(const std::array<uint64_t, 256>& histogram, uint64_t total);

// Adds the byte counts of `bytes` to `histogram`. Four interleaved counters break the
// store-to-load dependency a run of equal bytes makes, about twice as fast as one.
void add_to_histogram(ByteSpan bytes, std::array<uint64_t, 256>& histogram);

// Shannon entropy of `bytes` on its own (the analyzers' per-section figure).
double entropy_of(ByteSpan bytes);

}  // namespace assay
