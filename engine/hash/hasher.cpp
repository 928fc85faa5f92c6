#include "hash/hasher.h"

#include <openssl/evp.h>

#include <cmath>
#include <stdexcept>

namespace assay {
namespace {

// Fetched once: implicit fetching by name on every EVP_DigestInit_ex costs a provider lookup.
struct Algorithms {
  EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  bool complete() const { return md5 && sha1 && sha256 && sha512; }
};

const Algorithms& algorithms() {
  static const Algorithms instance;  // never freed: lives as long as the process's OpenSSL
  return instance;
}

// Hashing and histogram work on blocks that stay in L1/L2 between the five consumers.
constexpr size_t kBlockBytes = 32 * 1024;

}  // namespace

struct Hasher::Contexts {
  EVP_MD_CTX* md5 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha1 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha256 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha512 = EVP_MD_CTX_new();
  ~Contexts() {
    EVP_MD_CTX_free(md5);
    EVP_MD_CTX_free(sha1);
    EVP_MD_CTX_free(sha256);
    EVP_MD_CTX_free(sha512);
  }
};

Hasher::Hasher() : contexts_(std::make_unique<Contexts>()) {
  const Algorithms& md = algorithms();
  if (!md.complete() || !contexts_->md5 || !contexts_->sha1 || !contexts_->sha256 || !contexts_->sha512) {
    throw std::runtime_error("OpenSSL does not provide md5/sha1/sha256/sha512");
  }
}

Hasher::~Hasher() = default;

double shannon_entropy(const std::array<uint64_t, 256>& histogram, uint64_t total) {
  if (total == 0) return 0.0;
  double entropy = 0.0;
  const double inverse_total = 1.0 / static_cast<double>(total);
  for (const uint64_t count : histogram) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) * inverse_total;
    entropy -= p * std::log2(p);
  }
  return entropy < 0.0 ? 0.0 : entropy;
}

void add_to_histogram(ByteSpan bytes, std::array<uint64_t, 256>& histogram) {
  // 32-bit lanes, folded into the 64-bit histogram before any could overflow.
  constexpr size_t kFoldBytes = size_t{1} << 30;
  for (size_t start = 0; start < bytes.size(); start += kFoldBytes) {
    const ByteSpan part = bytes.sub(start, kFoldBytes);
    std::array<std::array<uint32_t, 256>, 4> lanes{};
    const uint8_t* p = part.data();
    const size_t n = part.size();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      ++lanes[0][p[i]];
      ++lanes[1][p[i + 1]];
      ++lanes[2][p[i + 2]];
      ++lanes[3][p[i + 3]];
    }
    for (; i < n; ++i) ++lanes[0][p[i]];
    for (size_t b = 0; b < 256; ++b) histogram[b] += uint64_t{lanes[0][b]} + lanes[1][b] + lanes[2][b] + lanes[3][b];
  }
}

double entropy_of(ByteSpan bytes) {
  std::array<uint64_t, 256> histogram{};
  add_to_histogram(bytes, histogram);
  return shannon_entropy(histogram, bytes.size());
}

Digests Hasher::digest(ByteSpan bytes, Entropy entropy) { return digest_windows(bytes, entropy, bytes.size(), {}); }

Digests Hasher::digest_windows(ByteSpan bytes, Entropy entropy, size_t window, const WindowDone& done) {
  const Algorithms& md = algorithms();
  Contexts& c = *contexts_;
  EVP_DigestInit_ex2(c.md5, md.md5, nullptr);
  EVP_DigestInit_ex2(c.sha1, md.sha1, nullptr);
  EVP_DigestInit_ex2(c.sha256, md.sha256, nullptr);
  EVP_DigestInit_ex2(c.sha512, md.sha512, nullptr);

  std::array<uint64_t, 256> histogram{};
  window = window == 0 ? bytes.size() : window;
  for (size_t window_start = 0; window_start < bytes.size(); window_start += window) {
    const ByteSpan part = bytes.sub(window_start, window);
    for (size_t offset = 0; offset < part.size(); offset += kBlockBytes) {
      const ByteSpan block = part.sub(offset, kBlockBytes);
      EVP_DigestUpdate(c.md5, block.data(), block.size());
      EVP_DigestUpdate(c.sha1, block.data(), block.size());
      EVP_DigestUpdate(c.sha256, block.data(), block.size());
      EVP_DigestUpdate(c.sha512, block.data(), block.size());
      if (entropy == Entropy::Compute) add_to_histogram(block, histogram);
    }
    if (done) done(window_start, part.size());
  }

  Digests out;
  EVP_DigestFinal_ex(c.md5, out.md5.data(), nullptr);
  EVP_DigestFinal_ex(c.sha1, out.sha1.data(), nullptr);
  EVP_DigestFinal_ex(c.sha256, out.sha256.data(), nullptr);
  EVP_DigestFinal_ex(c.sha512, out.sha512.data(), nullptr);
  out.entropy = shannon_entropy(histogram, bytes.size());
  return out;
}

}  // namespace assay
