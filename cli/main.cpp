// `assay`: the command-line scanner. It uses only the public C ABI, like every other consumer.
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "assay.h"
#include "options.h"

namespace {

enum ExitCode { kClean = 0, kDetected = 1, kError = 2 };

// Paths come from the filesystem and may hold any bytes: escape what JSON forbids and replace bytes
// that are not UTF-8 with U+FFFD so the line stays valid JSON.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out.append(escaped);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      const size_t length = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
      bool valid = length != 0 && c <= 0xF4 && i + length <= text.size();
      for (size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (valid) {
        out.append(text.substr(i, length));
        i += length - 1;
      } else {
        out.append("\xEF\xBF\xBD");
      }
    }
  }
  out.push_back('"');
  return out;
}

void collect_files(const std::string& path, std::vector<std::string>& files, bool& had_error) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error)) {
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, error), end;
    for (; !error && it != end; it.increment(error)) {
      if (it->is_regular_file(error)) files.push_back(it->path().string());
    }
    if (error) {
      std::fprintf(stderr, "assay: %s: %s\n", path.c_str(), error.message().c_str());
      had_error = true;
    }
    return;
  }
  files.push_back(path);  // a file, a pipe, /dev/stdin...: let the scan say what it is
}

struct Result {
  std::string line;
  std::string error;
  bool detected = false;
  bool done = false;
};

class Progress {
 public:
  explicit Progress(size_t total) : total_(total), enabled_(isatty(STDERR_FILENO) == 1) {}
  void tick(size_t done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    shown_ = true;
    std::fprintf(stderr, "\rassay: %zu/%zu files scanned", done, total_);
  }
  ~Progress() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  size_t total_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

// A rule file that failed to compile is skipped by the engine; say so once, on stderr.
void report_rule_problems(const assay_engine* engine) {
  assay_rules* rules = nullptr;
  if (assay_engine_rules(engine, &rules) != ASSAY_OK) return;
  for (size_t i = 0; i < assay_rules_count(rules); ++i) {
    assay_ruleset_info info{};
    info.struct_size = sizeof info;
    if (assay_rules_info(rules, i, &info) != ASSAY_OK) continue;
    if (!info.active) std::fprintf(stderr, "assay: rules %s skipped:\n%s\n", info.path, info.errors);
    if (*info.warnings != '\0') std::fprintf(stderr, "assay: rules %s:\n%s\n", info.path, info.warnings);
  }
  assay_rules_free(rules);
}

std::optional<assay_engine*> make_engine(const assay_cli::Options& options) {
  assay_config* config = nullptr;
  if (assay_config_new(&config) != ASSAY_OK) return std::nullopt;
  bool ok = true;
  for (const auto& [option, value] : options.limits) {
    if (assay_config_set_u64(config, option, value) != ASSAY_OK) {
      std::fprintf(stderr, "assay: %s\n", assay_config_last_error(config));
      ok = false;
    }
  }
  if (options.replace_passwords) assay_config_clear_passwords(config);
  for (const std::string& path : options.rules) assay_config_add_rules(config, path.c_str());
  if (!options.report_types_dir.empty()) {
    assay_config_set_text(config, ASSAY_OPT_REPORT_TYPES_DIR, options.report_types_dir.c_str());
  }
  for (const std::string& password : options.passwords) assay_config_add_password(config, password.c_str());
  assay_engine* engine = nullptr;
  if (ok && assay_engine_new(&engine, config) != ASSAY_OK) {
    std::fprintf(stderr, "assay: cannot create the engine: %s\n", assay_config_last_error(config));
    ok = false;
  }
  assay_config_free(config);
  if (!ok) return std::nullopt;
  report_rule_problems(engine);
  return engine;
}

void scan_one(assay_scanner* scanner, const assay_render_options* render, const std::string& path, bool pretty,
              Result& result) {
  assay_report* report = nullptr;
  const int status = assay_scan_path(scanner, path.c_str(), &report);
  if (status < 0) {
    result.error = path + ": " + assay_scanner_last_error(scanner);
    return;
  }
  const char* json = nullptr;
  size_t length = 0;
  if (assay_report_render(report, render, &json, &length) != ASSAY_OK) {
    result.error = path + ": " + assay_report_last_error(report);
    assay_report_free(report);
    return;
  }
  const int verdict = assay_report_root_verdict(report);
  result.detected = verdict == ASSAY_VERDICT_SUSPICIOUS || verdict == ASSAY_VERDICT_MALICIOUS;
  result.line.reserve(length + path.size() + 32);
  result.line.append(pretty ? "{\n\"path\": " : "{\"path\":").append(json_string(path));
  result.line.append(pretty ? ",\n\"tc_report\": " : ",\"tc_report\":").append(json, length);
  result.line.append(pretty ? "\n}\n" : "}\n");
  assay_report_free(report);
}

// Report types are resolved when rendering; try one on an empty buffer so that a bad name is one
// clear error up front rather than one per file.
bool check_report_type(assay_engine* engine, const assay_render_options* render) {
  assay_scanner* scanner = nullptr;
  assay_report* report = nullptr;
  bool ok = assay_scanner_new(&scanner, engine) == ASSAY_OK && assay_scan_buffer(scanner, nullptr, 0, "", &report) >= 0;
  const char* json = nullptr;
  if (ok && assay_report_render(report, render, &json, nullptr) != ASSAY_OK) {
    std::fprintf(stderr, "assay: %s\n", assay_report_last_error(report));
    ok = false;
  }
  assay_report_free(report);
  assay_scanner_free(scanner);
  return ok;
}

int run_scan(const assay_cli::Options& options) {
  const std::optional<assay_engine*> engine = make_engine(options);
  if (!engine) return kError;
  assay_render_options* render = nullptr;
  assay_render_options_new(&render);
  assay_render_options_set_bool(render, ASSAY_RENDER_PRETTY, options.pretty ? 1 : 0);
  assay_render_options_set_bool(render, ASSAY_RENDER_V13, options.v13 ? 1 : 0);
  const std::pair<assay_render_option, const std::string*> texts[] = {
      {ASSAY_RENDER_REPORT_TYPE, &options.report_type},
      {ASSAY_RENDER_VIEW, &options.view},
      {ASSAY_RENDER_INCLUDE_FIELDS, &options.include_fields},
      {ASSAY_RENDER_EXCLUDE_FIELDS, &options.exclude_fields},
  };
  for (const auto& [option, text] : texts) {
    if (assay_render_options_set_text(render, option, text->c_str()) != ASSAY_OK) {
      std::fprintf(stderr, "assay: %s\n", assay_render_options_last_error(render));
      assay_render_options_free(render);
      assay_engine_free(*engine);
      return kError;
    }
  }
  if (!check_report_type(*engine, render)) {
    assay_render_options_free(render);
    assay_engine_free(*engine);
    return kError;
  }

  bool had_error = false;
  std::vector<std::string> files;
  for (const std::string& path : options.paths) collect_files(path, files, had_error);

  // Workers scan in any order; the main thread prints in input order, so output is deterministic.
  std::vector<Result> results(files.size());
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::condition_variable ready;
  std::vector<std::thread> workers;
  const unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(files.size())));
  for (unsigned j = 0; j < jobs; ++j) {
    workers.emplace_back([&] {
      assay_scanner* scanner = nullptr;
      const bool have_scanner = assay_scanner_new(&scanner, *engine) == ASSAY_OK;
      for (size_t i = next++; i < files.size(); i = next++) {
        Result local;
        if (have_scanner) {
          scan_one(scanner, render, files[i], options.pretty, local);
        } else {
          local.error = files[i] + ": cannot create a scanner";
        }
        local.done = true;
        std::lock_guard lock(mutex);
        results[i] = std::move(local);
        ready.notify_all();
      }
      assay_scanner_free(scanner);
    });
  }

  bool detected = false;
  {
    Progress progress(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      Result result;
      {
        std::unique_lock lock(mutex);
        while (!ready.wait_for(lock, std::chrono::milliseconds(250), [&] { return results[i].done; })) {
          progress.tick(i);
        }
        result = std::move(results[i]);
      }
      if (!result.error.empty()) {
        std::fprintf(stderr, "assay: %s\n", result.error.c_str());
        had_error = true;
      } else {
        std::fwrite(result.line.data(), 1, result.line.size(), stdout);
      }
      detected = detected || result.detected;
      progress.tick(i + 1);
    }
  }
  for (std::thread& worker : workers) worker.join();
  std::fflush(stdout);
  assay_render_options_free(render);
  assay_engine_free(*engine);
  if (detected) return kDetected;
  return had_error ? kError : kClean;
}

}  // namespace

int main(int argc, char** argv) {
  // libarchive converts member times with mktime(), and glibc re-reads /etc/localtime on every call
  // when TZ is unset (two stat() calls per member). Pinning TZ to the same file keeps the behaviour
  // and drops the system calls; it must happen before any thread starts.
  setenv("TZ", ":/etc/localtime", 0);
  if (argc >= 2 && (std::strcmp(argv[1], "version") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::printf("assay %s (ABI %d)\n", assay_version(), assay_abi_version());
    return kClean;
  }
  if (argc >= 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    std::fputs(assay_cli::usage(), stdout);
    return kClean;
  }
  if (argc < 2 || std::strcmp(argv[1], "scan") != 0) {
    std::fputs(assay_cli::usage(), stderr);
    return kError;
  }
  assay_cli::Options options;
  std::string error;
  if (!assay_cli::parse_scan_options(argc - 2, argv + 2, options, error)) {
    std::fprintf(stderr, "assay: %s\n%s", error.c_str(), assay_cli::usage());
    return kError;
  }
  return run_scan(options);
}
