// Identification: the built-in sniffer over real files, and the libmagic fallback on unknown binary.
//
//   BM_SniffFormat/all_files      assay::sniff_format over every file of the corpus plus /bin/ls
//   BM_SniffFormat/<file>         the same, one file at a time (label: the format it was given)
//   BM_SniffFormat/random/N       the sniffer failing on N bytes of random data (what precedes libmagic)
//   BM_SniffFormat/prose/N        N bytes of plain English-like text (the text heuristics run to the end
//                                 of their prefix: the common case for small text members of archives)
//   BM_IdentifyUnknownBinary/N    assay::Identifier::identify on N random bytes: sniffer + libmagic
//                                 on at most the 64 KiB prefix (the Engine default)
//   BM_IdentifyKnown/bin_ls       assay::Identifier::identify on /bin/ls (sniffer only)
//
// The corpus is $ASSAY_SAMPLES (default build/samples, made by samples/generate.sh); each file is
// loaded whole up to 1 MiB, as the scanner would hand it over (the sniffer looks past the header for
// some formats: ISO 9660 at 32 KiB, ELF program headers and the dynamic section). Bytes/s counts the
// bytes handed to the sniffer, items/s the files.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "bench_common.h"
#include "identify/identify.h"

namespace {

constexpr size_t kFileLimit = 1 << 20;

struct Sample {
  std::string name;  // path relative to the corpus (or the absolute path for /bin/ls)
  std::vector<uint8_t> bytes;
};

std::vector<Sample> load_samples() {
  std::vector<Sample> samples;
  if (const auto dir = assay_bench::samples_dir()) {
    std::vector<std::filesystem::path> paths;
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(*dir, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_regular_file() && it->path().filename().string().front() != '.') paths.push_back(it->path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      if (auto bytes = assay_bench::read_file(path, kFileLimit)) {
        samples.push_back({std::filesystem::relative(path, *dir).string(), std::move(*bytes)});
      }
    }
  }
  if (auto bytes = assay_bench::read_file("/bin/ls", kFileLimit)) samples.push_back({"/bin/ls", std::move(*bytes)});
  return samples;
}

std::string file_name_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void BM_SniffAll(benchmark::State& state, const std::vector<Sample>* samples) {
  int64_t bytes = 0;
  for (const Sample& s : *samples) bytes += static_cast<int64_t>(s.bytes.size());
  for (auto _ : state) {
    for (const Sample& s : *samples) {
      assay::FileFormat format = assay::sniff_format(assay_bench::span_of(s.bytes), file_name_of(s.name));
      benchmark::DoNotOptimize(format);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(samples->size()));
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetLabel(std::to_string(samples->size()) + " files");
}

void BM_SniffOne(benchmark::State& state, const Sample* sample) {
  const std::string name = file_name_of(sample->name);
  const assay::ByteSpan bytes = assay_bench::span_of(sample->bytes);
  assay::FileFormat format = assay::FileFormat::Unknown;
  for (auto _ : state) {
    format = assay::sniff_format(bytes, name);
    benchmark::DoNotOptimize(format);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
  const std::string_view id = assay::format_info(format).identification;
  state.SetLabel(id.empty() ? "(unknown)" : std::string(id));
}

const std::vector<uint8_t>& random_data() {
  static const std::vector<uint8_t> bytes = assay_bench::random_bytes(4 << 20, 0x1234567);
  return bytes;
}

void BM_SniffRandom(benchmark::State& state) {
  const assay::ByteSpan bytes(random_data().data(), static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    assay::FileFormat format = assay::sniff_format(bytes, "blob.bin");
    benchmark::DoNotOptimize(format);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// Deterministic English-like prose: lines of 4..12 common words.
const std::string& prose() {
  static const std::string text = [] {
    static constexpr const char* kWords[] = {
        "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "was", "on", "be", "by", "this",
        "are", "from", "or", "have", "an", "they", "which", "one", "you", "were", "her", "all", "she", "there",
        "would", "their", "we", "him", "been", "has", "when", "who", "will", "more", "no", "if", "out", "so",
        "said", "what", "up", "its", "about", "into", "than", "them", "can", "only", "other", "new", "some",
        "could", "time", "these", "two", "may", "then", "do", "first", "any", "my", "now", "such", "like"};
    std::string out;
    uint64_t x = 20231114;
    const auto next = [&x](uint64_t n) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      return (x >> 33) % n;
    };
    while (out.size() < (1u << 20)) {
      const uint64_t words = 4 + next(9);
      for (uint64_t w = 0; w < words; ++w) {
        if (w != 0) out.push_back(' ');
        out += kWords[next(std::size(kWords))];
      }
      out.push_back('\n');
    }
    return out;
  }();
  return text;
}

void BM_SniffProse(benchmark::State& state) {
  const assay::ByteSpan bytes(reinterpret_cast<const uint8_t*>(prose().data()), static_cast<size_t>(state.range(0)));
  assay::FileFormat format = assay::FileFormat::Unknown;
  for (auto _ : state) {
    format = assay::sniff_format(bytes, "note.txt");
    benchmark::DoNotOptimize(format);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetLabel(std::string(assay::format_info(format).identification));
}

void BM_IdentifyUnknownBinary(benchmark::State& state) {
  const assay::ByteSpan bytes(random_data().data(), static_cast<size_t>(state.range(0)));
  if (assay::sniff_format(bytes, "blob.bin") != assay::FileFormat::Unknown) {
    state.SkipWithError("the random buffer is recognised by the sniffer; libmagic would not be asked");
    return;
  }
  const assay::Identifier identifier;  // default: libmagic sees at most the first 64 KiB
  std::string description;
  for (auto _ : state) {
    assay::Identification id = identifier.identify(bytes, "blob.bin");
    benchmark::DoNotOptimize(id);
    description = std::move(id.magic_description);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetLabel("libmagic: " + description);
}

void BM_IdentifyKnown(benchmark::State& state, const Sample* sample) {
  const assay::ByteSpan bytes = assay_bench::span_of(sample->bytes);
  const assay::Identifier identifier;
  assay::FileFormat format = assay::FileFormat::Unknown;
  for (auto _ : state) {
    assay::Identification id = identifier.identify(bytes, file_name_of(sample->name));
    format = id.format;
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
  state.SetLabel(std::string(assay::format_info(format).identification));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  static const std::vector<Sample> samples = load_samples();
  benchmark::RegisterBenchmark("BM_SniffFormat/all_files", BM_SniffAll, &samples);
  for (const Sample& s : samples) {
    benchmark::RegisterBenchmark(("BM_SniffFormat/" + s.name).c_str(), BM_SniffOne, &s)->MinTime(0.05);
  }
  benchmark::RegisterBenchmark("BM_SniffFormat/random", BM_SniffRandom)->RangeMultiplier(16)->Range(1 << 10, 1 << 20);
  benchmark::RegisterBenchmark("BM_SniffFormat/prose", BM_SniffProse)->RangeMultiplier(4)->Range(256, 64 << 10);
  benchmark::RegisterBenchmark("BM_IdentifyUnknownBinary", BM_IdentifyUnknownBinary)
      ->RangeMultiplier(16)
      ->Range(1 << 10, 1 << 20);
  const auto ls = std::find_if(samples.begin(), samples.end(), [](const Sample& s) { return s.name == "/bin/ls"; });
  if (ls != samples.end()) benchmark::RegisterBenchmark("BM_IdentifyKnown/bin_ls", BM_IdentifyKnown, &*ls);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
