// Helpers shared by the benchmark programs: deterministic data, the sample corpus, file loading.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "util/checked_reader.h"

namespace assay_bench {

// Deterministic pseudo-random bytes (xorshift64*): incompressible, so no format sniffs them and the
// byte histogram is flat, the same on every run and every machine.
inline std::vector<uint8_t> random_bytes(size_t size, uint64_t seed = 0x9e3779b97f4a7c15ull) {
  std::vector<uint8_t> out(size);
  uint64_t x = seed | 1;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    const uint64_t v = x * 0x2545f4914f6cdd1dull;
    for (int k = 0; k < 8; ++k) out[i + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  for (; i < size; ++i) {
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    out[i] = static_cast<uint8_t>((x * 0x2545f4914f6cdd1dull) >> 56);
  }
  return out;
}

// Reads at most `limit` leading bytes of a file; nullopt when it cannot be read.
inline std::optional<std::vector<uint8_t>> read_file(const std::filesystem::path& path,
                                                     size_t limit = SIZE_MAX) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return std::nullopt;
  std::vector<uint8_t> bytes(static_cast<size_t>(std::min<uintmax_t>(size, limit)));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<size_t>(in.gcount()) != bytes.size()) return std::nullopt;
  return bytes;
}

inline assay::ByteSpan span_of(const std::vector<uint8_t>& bytes) { return {bytes.data(), bytes.size()}; }

// The generated corpus (samples/generate.sh): $ASSAY_SAMPLES, else ./build/samples, else this build
// tree's samples directory. nullopt, with a message on stderr, when none exists.
inline std::optional<std::filesystem::path> samples_dir() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("ASSAY_SAMPLES"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  } else {
    candidates.emplace_back("build/samples");
#ifdef ASSAY_BENCH_DEFAULT_SAMPLES
    candidates.emplace_back(ASSAY_BENCH_DEFAULT_SAMPLES);
#endif
  }
  for (const auto& dir : candidates) {
    std::error_code error;
    if (std::filesystem::is_directory(dir / "formats", error)) return dir;
  }
  std::string tried;
  for (const auto& dir : candidates) tried += (tried.empty() ? "" : ", ") + dir.string();
  std::fprintf(stderr,
               "note: no sample corpus found (tried %s); corpus benchmarks are skipped.\n"
               "      Generate it with `bash samples/generate.sh build/samples` or set ASSAY_SAMPLES.\n",
               tried.c_str());
  return std::nullopt;
}

}  // namespace assay_bench
