// assay::Hasher::digest (md5 + sha1 + sha256 + sha512 + byte histogram in one pass) against plain
// OpenSSL EVP digests over the same buffers, 4 KiB .. 64 MiB.
//
//   BM_Hasher/N           the engine's one-pass hasher
//   BM_Evp/md5|sha1|sha256|sha512/N   one OpenSSL digest alone (fetched once, context reused)
//   BM_EvpMd5Sha1Sha256/N the three reference digests one after another, three passes
//
// After the normal output a summary table gives, per size, the Hasher's time divided by the sum of
// the separate md5, sha1 and sha256 times: the same ratio bench/corpus_bench.sh measures against
// md5sum + sha1sum + sha256sum (the Hasher also computes sha512 and the histogram, which the
// reference does not; BM_Evp/sha512 shows what that costs).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "bench_common.h"
#include "hash/hasher.h"

namespace {

constexpr int64_t kMinBytes = 4 << 10;
constexpr int64_t kMaxBytes = 64 << 20;

// One buffer for every size (a prefix of it), made once.
const std::vector<uint8_t>& data() {
  static const std::vector<uint8_t> bytes = assay_bench::random_bytes(kMaxBytes);
  return bytes;
}

void BM_Hasher(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const assay::ByteSpan bytes(data().data(), size);
  assay::Hasher hasher;
  for (auto _ : state) {
    assay::Digests digests = hasher.digest(bytes);
    benchmark::DoNotOptimize(digests);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

struct EvpDigest {
  explicit EvpDigest(const char* name) : md(EVP_MD_fetch(nullptr, name, nullptr)), ctx(EVP_MD_CTX_new()) {}
  ~EvpDigest() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  EvpDigest(const EvpDigest&) = delete;
  EvpDigest& operator=(const EvpDigest&) = delete;
  bool ok() const { return md != nullptr && ctx != nullptr; }
  void run(const uint8_t* bytes, size_t size) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestInit_ex2(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, bytes, size);
    EVP_DigestFinal_ex(ctx, out, &length);
    benchmark::DoNotOptimize(out);
  }
  EVP_MD* md;
  EVP_MD_CTX* ctx;
};

void BM_Evp(benchmark::State& state, const char* algorithm) {
  const size_t size = static_cast<size_t>(state.range(0));
  EvpDigest digest(algorithm);
  if (!digest.ok()) {
    state.SkipWithError("OpenSSL does not provide this digest");
    return;
  }
  for (auto _ : state) digest.run(data().data(), size);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void BM_EvpMd5Sha1Sha256(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  EvpDigest md5("MD5"), sha1("SHA1"), sha256("SHA256");
  if (!md5.ok() || !sha1.ok() || !sha256.ok()) {
    state.SkipWithError("OpenSSL does not provide md5/sha1/sha256");
    return;
  }
  for (auto _ : state) {
    md5.run(data().data(), size);
    sha1.run(data().data(), size);
    sha256.run(data().data(), size);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

BENCHMARK(BM_Hasher)->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Evp, md5, "MD5")->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Evp, sha1, "SHA1")->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Evp, sha256, "SHA256")->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Evp, sha512, "SHA512")->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK(BM_EvpMd5Sha1Sha256)->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);

// The console reporter, also remembering each benchmark's real time per iteration (the median when
// --benchmark_repetitions is used) so the ratio table can be printed at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.iterations == 0) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      // "BM_Evp/md5/4096" -> family "BM_Evp/md5", size 4096
      const std::string name = run.run_name.function_name;
      const std::string args = run.run_name.args;
      int64_t size = 0;
      try {
        size = std::stoll(args.substr(args.rfind('/') == std::string::npos ? 0 : args.rfind('/') + 1));
      } catch (...) {
        continue;
      }
      const std::string family = args.find('/') == std::string::npos ? name : name + "/" + args.substr(0, args.rfind('/'));
      const double seconds = run.real_accumulated_time / static_cast<double>(run.iterations);
      Sample& sample = seconds_[size][family];
      if (median || !sample.from_median) sample = Sample{seconds, median};
    }
  }

  void PrintRatios() const {
    if (seconds_.empty()) return;
    std::printf("\nHasher (md5+sha1+sha256+sha512+histogram, one pass) vs OpenSSL md5, sha1, sha256 run separately\n");
    std::printf("%10s %12s %12s %12s %12s %12s %14s %10s %12s\n", "bytes", "hasher MiB/s", "md5 MiB/s", "sha1 MiB/s",
                "sha256 MiB/s", "sha512 MiB/s", "md5+sha1+sha256", "ratio", "ratio(3-in-1)");
    std::printf("%10s %12s %12s %12s %12s %12s %14s %10s %12s\n", "", "", "", "", "", "", "MiB/s", "", "");
    for (const auto& row : seconds_) {
      // (not a structured binding: clang 14 cannot capture those in the lambdas below)
      const int64_t size = row.first;
      const std::map<std::string, Sample>& by_family = row.second;
      const auto get = [&](const char* family) {
        const auto it = by_family.find(family);
        return it == by_family.end() ? 0.0 : it->second.seconds;
      };
      const double hasher = get("BM_Hasher"), md5 = get("BM_Evp/md5"), sha1 = get("BM_Evp/sha1"),
                   sha256 = get("BM_Evp/sha256"), sha512 = get("BM_Evp/sha512"), three = get("BM_EvpMd5Sha1Sha256");
      const double sum = md5 + sha1 + sha256;
      const auto rate = [&](double seconds) { return seconds > 0 ? static_cast<double>(size) / seconds / (1024.0 * 1024.0) : 0.0; };
      std::printf("%10lld %12.1f %12.1f %12.1f %12.1f %12.1f %14.1f %10.3f %12.3f\n", static_cast<long long>(size),
                  rate(hasher), rate(md5), rate(sha1), rate(sha256), rate(sha512), rate(sum),
                  sum > 0 ? hasher / sum : 0.0, three > 0 ? hasher / three : 0.0);
    }
    std::printf("ratio = hasher time / (md5 time + sha1 time + sha256 time), separate runs; "
                "ratio(3-in-1) = hasher time / BM_EvpMd5Sha1Sha256 time.\n");
  }

 private:
  struct Sample {
    double seconds = 0;
    bool from_median = false;
  };
  std::map<int64_t, std::map<std::string, Sample>> seconds_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  data();  // build the buffer before any timing
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}
