// Full scans through assay::Scanner (identify + hash + recursive unpack + ReportModel::finish) of
// in-memory archives, and the JSON rendering of the resulting report.
//
//   BM_Scan/formats/sample.zip, /formats/sample.tar.gz, /nested/nested.7z   from the sample corpus
//   BM_Scan/small_zip/text|binary   a zip of 5,000 deflated members of 100..1000 bytes each, built
//                                   with python3 at start-up (deterministic content): text members
//                                   are settled by the built-in sniffer, random binary members go to
//                                   libmagic
//   BM_Render/1000_objects/TYPE/VIEW assay::render_tc_report of a 1,000-object scan, per report type
//                                     and view (small vs large cost, JSON bytes per second)
//
// Counters: bytes_per_second is input (archive) bytes; objects/s counts report entries (root
// included); hashed/s counts the bytes of every object (what the Hasher read).
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "bench_common.h"
#include "report/json_render.h"
#include "scan/engine.h"
#include "scan/scanner.h"

namespace {

constexpr int kSmallMembers = 5000;

// Writes a zip of `count` members (100..1000 bytes, seeded) of `kind` "text" or "binary".
constexpr const char* kMakeZip = R"PY(
import random, sys, zipfile
out, count, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(20231114)
words = ("the of and to in is that for it as with was on be by this are from or have an they which one "
         "you were her all she there would their we him been has when who will more no if out so said "
         "what up its about into than them can only other new some could time these two may then do "
         "first any my now such like our over man me even most made after also did many before must "
         "through back years where much your way well down should because each just those people").split()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(count):
        size = rng.randint(100, 1000)
        if kind == "text":
            text = []
            length = 0
            while length < size:
                line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) + "\n"
                text.append(line)
                length += len(line)
            data = "".join(text).encode()[:size]
            name = "docs/%02d/note%05d.txt" % (i // 500, i)
        else:
            data = rng.randbytes(size)
            name = "blobs/%02d/blob%05d.bin" % (i // 500, i)
        info = zipfile.ZipInfo(name, date_time=(2023, 11, 14, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
)PY";

struct Input {
  std::string name;
  std::vector<uint8_t> bytes;
  std::string error;  // why it could not be made (the benchmark is then skipped with this message)
};

Input make_small_zip(const std::string& kind, int members = kSmallMembers) {
  Input input{"small-" + kind + "-" + std::to_string(members) + ".zip", {}, {}};
  char dir_template[] = "/tmp/assay-bench.XXXXXX";
  const char* tmp_dir = mkdtemp(dir_template);
  if (tmp_dir == nullptr) {
    input.error = "mkdtemp failed";
    return input;
  }
  const std::filesystem::path dir(tmp_dir);
  const std::filesystem::path script = dir / "make_zip.py";
  const std::filesystem::path zip = dir / input.name;
  std::ofstream(script) << kMakeZip;
  const std::string command = "python3 '" + script.string() + "' '" + zip.string() + "' " +
                              std::to_string(members) + " " + kind;
  if (std::system(command.c_str()) != 0) {
    input.error = "could not build the zip with python3 (" + command + ")";
  } else if (auto bytes = assay_bench::read_file(zip)) {
    input.bytes = std::move(*bytes);
  } else {
    input.error = "could not read " + zip.string();
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return input;
}

std::shared_ptr<const assay::Engine> engine() {
  static const auto instance = std::make_shared<const assay::Engine>(assay::EngineConfig{});
  return instance;
}

uint64_t hashed_bytes(const assay::ReportModel& model) {
  uint64_t total = 0;
  for (const assay::Entry& entry : model.entries()) total += entry.size;
  return total;
}

const char* outcome_name(assay::ScanOutcome outcome) {
  switch (outcome) {
    case assay::ScanOutcome::Complete: return "complete";
    case assay::ScanOutcome::LimitReached: return "LIMIT REACHED";
    case assay::ScanOutcome::Aborted: return "aborted";
  }
  return "?";
}

void BM_Scan(benchmark::State& state, const Input* input) {
  if (!input->error.empty()) {
    state.SkipWithError(input->error.c_str());
    return;
  }
  assay::Scanner scanner(engine());
  const assay::ByteSpan bytes = assay_bench::span_of(input->bytes);
  uint64_t objects = 0;
  uint64_t hashed = 0;
  size_t per_scan = 0;
  assay::ScanOutcome outcome = assay::ScanOutcome::Complete;
  for (auto _ : state) {
    assay::ReportModel model;
    outcome = scanner.scan(bytes, input->name, model);
    per_scan = model.size();
    objects += model.size();
    hashed += hashed_bytes(model);
    benchmark::DoNotOptimize(model);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
  state.counters["objects/s"] = benchmark::Counter(static_cast<double>(objects), benchmark::Counter::kIsRate);
  state.counters["hashed/s"] = benchmark::Counter(static_cast<double>(hashed), benchmark::Counter::kIsRate,
                                                  benchmark::Counter::kIs1024);
  state.counters["objects"] = static_cast<double>(per_scan);
  state.SetLabel(outcome_name(outcome));
}

// Renders one scan's report with a report type and view; the issue's yardstick is a 1,000-object
// tree, where small must cost well under a quarter of large and large must reach 300 MB/s of JSON.
void BM_Render(benchmark::State& state, const Input* input, const char* report_type, assay::View view) {
  if (!input->error.empty()) {
    state.SkipWithError(input->error.c_str());
    return;
  }
  assay::Scanner scanner(engine());
  assay::ReportModel model;
  scanner.scan(assay_bench::span_of(input->bytes), input->name, model);
  assay::RenderOptions options;
  options.report_type = report_type;
  options.view = view;
  size_t json_bytes = 0;
  for (auto _ : state) {
    std::string out;
    assay::render_tc_report(model, options, out);
    json_bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(json_bytes));
  state.counters["objects/s"] = benchmark::Counter(static_cast<double>(state.iterations() * model.size()),
                                                   benchmark::Counter::kIsRate);
  state.counters["json_bytes"] = static_cast<double>(json_bytes);
  state.counters["objects"] = static_cast<double>(model.size());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  static std::vector<Input> corpus;
  if (const auto dir = assay_bench::samples_dir()) {
    for (const char* relative : {"formats/sample.zip", "formats/sample.tar.gz", "nested/nested.7z"}) {
      Input input{relative, {}, {}};
      if (auto bytes = assay_bench::read_file(*dir / relative)) {
        input.bytes = std::move(*bytes);
      } else {
        input.error = "cannot read " + (*dir / relative).string();
      }
      corpus.push_back(std::move(input));
    }
  }
  static const Input small_text = make_small_zip("text");
  static const Input small_binary = make_small_zip("binary");

  for (const Input& input : corpus) benchmark::RegisterBenchmark(("BM_Scan/" + input.name).c_str(), BM_Scan, &input);
  benchmark::RegisterBenchmark("BM_Scan/small_zip/text", BM_Scan, &small_text)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Scan/small_zip/binary", BM_Scan, &small_binary)->Unit(benchmark::kMillisecond);
  static const Input thousand = make_small_zip("text", 999);  // 1,000 objects with the root
  for (const char* type : {"small", "medium", "large"}) {
    for (const auto& [view_name, view] : {std::pair{"nested", assay::View::Nested}, std::pair{"flat", assay::View::Flat}}) {
      std::string name = "BM_Render/1000_objects/";
      name.append(type).append("/").append(view_name);
      benchmark::RegisterBenchmark(name.c_str(), BM_Render, &thousand, type, view)
          ->Unit(benchmark::kMicrosecond);
    }
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
