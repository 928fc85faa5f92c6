// assay::find_interesting_strings (URLs, IP and e-mail addresses, domains) per byte of input: the
// cost every scanned object pays, since the scanner runs it on all of them.
//
//   BM_Strings/text/N     English-like prose (deterministic) with a URL, an address or an IP about
//                         every 600 bytes
//   BM_Strings/utf16/N    the same prose as UTF-16LE
//   BM_Strings/random/N   random bytes (compressed members, encrypted data, media)
//   BM_Strings/binary/N   a real shared library (libc.so.6, or /bin/ls if it is missing): many short
//                         strings with dots ("GLIBC_2.2.5", ".text", "libc.so.6")
//   BM_Strings/copyright/N  real text: the /usr/share/doc/*/copyright files one after another
//                         (licences, URLs, maintainers' addresses)
//   BM_Strings/html/N     real markup: the /usr/share/doc/**/*.html files one after another
// Kinds built from system files repeat them to 16 MiB when there is less.
// N runs from 64 KiB to 16 MiB (the scan's cap). Read the MB/s column: cost per MB = 1 / that.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "analyze/interesting_strings.h"
#include "bench_common.h"

namespace {

constexpr int64_t kMinBytes = 64 << 10;
constexpr int64_t kMaxBytes = 16 << 20;

std::vector<uint8_t> prose(size_t size) {
  static const char* kWords[] = {"the",  "report", "of",     "quarterly", "numbers", "was", "sent", "to",
                                 "team", "please", "review", "attached",  "files",   "and", "reply", "by",
                                 "Monday.", "version", "1.2.3", "at",     "12:30",   "e.g.", "setup.py", "Grüße"};
  std::vector<uint8_t> out;
  out.reserve(size + 128);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  size_t n = 0;
  while (out.size() < size) {
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    const uint64_t r = x * 0x2545f4914f6cdd1dull;
    std::string word = kWords[(r >> 33) % std::size(kWords)];
    if (++n % 100 == 0) {
      switch ((r >> 20) % 5) {
        case 0: word = "https://portal" + std::to_string(n) + ".example.com/login?id=" + std::to_string(r % 997); break;
        case 1: word = "user" + std::to_string(n) + "@mail.example.org"; break;
        case 2: word = "10." + std::to_string(n % 250) + ".1." + std::to_string(r % 250); break;
        case 3: word = "cdn" + std::to_string(n) + ".example.net"; break;
        default: word = "2001:db8::" + std::to_string(n % 9999); break;
      }
    }
    out.insert(out.end(), word.begin(), word.end());
    out.push_back((r & 0xf) == 0 ? '\n' : ' ');
  }
  out.resize(size);
  return out;
}

std::vector<uint8_t> widen(const std::vector<uint8_t>& narrow) {
  std::vector<uint8_t> out;
  out.reserve(narrow.size() * 2);
  for (const uint8_t c : narrow) {
    out.push_back(c < 0x80 ? c : '?');
    out.push_back(0);
  }
  return out;
}

std::vector<uint8_t> repeat_to(std::vector<uint8_t> bytes, size_t size) {
  if (bytes.empty()) return bytes;
  const size_t original = bytes.size();
  while (bytes.size() < size) bytes.insert(bytes.end(), bytes.begin(), bytes.begin() + static_cast<long>(std::min(original, size - bytes.size())));
  bytes.resize(size);
  return bytes;
}

// The files under `dir` whose name matches, concatenated in path order up to kMaxBytes.
std::vector<uint8_t> concatenated(const std::filesystem::path& dir, bool (*wanted)(const std::filesystem::path&)) {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file(error) && wanted(it->path())) paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<uint8_t> out;
  for (const auto& path : paths) {
    if (out.size() >= static_cast<size_t>(kMaxBytes)) break;
    if (auto bytes = assay_bench::read_file(path, static_cast<size_t>(kMaxBytes) - out.size())) {
      out.insert(out.end(), bytes->begin(), bytes->end());
    }
  }
  return repeat_to(std::move(out), kMaxBytes);
}

const std::vector<uint8_t>& corpus(const std::string& kind) {
  static const std::vector<uint8_t> text = prose(kMaxBytes);
  static const std::vector<uint8_t> utf16 = widen(prose(kMaxBytes / 2));
  static const std::vector<uint8_t> random = assay_bench::random_bytes(kMaxBytes);
  static const std::vector<uint8_t> binary = [] {
    for (const char* path : {"/usr/lib/x86_64-linux-gnu/libc.so.6", "/bin/ls"}) {
      if (auto bytes = assay_bench::read_file(path)) return repeat_to(std::move(*bytes), kMaxBytes);
    }
    return std::vector<uint8_t>{};
  }();
  if (kind == "copyright") {
    static const std::vector<uint8_t> copyright = concatenated(
        "/usr/share/doc", [](const std::filesystem::path& p) { return p.filename() == "copyright"; });
    return copyright;
  }
  if (kind == "html") {
    static const std::vector<uint8_t> html = concatenated(
        "/usr/share/doc", [](const std::filesystem::path& p) { return p.extension() == ".html"; });
    return html;
  }
  if (kind == "text") return text;
  if (kind == "utf16") return utf16;
  if (kind == "random") return random;
  return binary;
}

void BM_Strings(benchmark::State& state, const std::string& kind) {
  const std::vector<uint8_t>& data = corpus(kind);
  const size_t size = static_cast<size_t>(state.range(0));
  if (data.size() < size) {
    state.SkipWithError("no input of this kind");
    return;
  }
  const assay::ByteSpan bytes(data.data(), size);
  size_t values = 0;
  for (auto _ : state) {
    const std::vector<assay::InterestingStrings> found = assay::find_interesting_strings(bytes);
    values = 0;
    for (const auto& row : found) values += row.values.size();
    benchmark::DoNotOptimize(values);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
  state.counters["values"] = static_cast<double>(values);
}

BENCHMARK_CAPTURE(BM_Strings, text, std::string("text"))->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Strings, utf16, std::string("utf16"))->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Strings, random, std::string("random"))->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Strings, binary, std::string("binary"))->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Strings, copyright, std::string("copyright"))->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);
BENCHMARK_CAPTURE(BM_Strings, html, std::string("html"))->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes);

}  // namespace

BENCHMARK_MAIN();
