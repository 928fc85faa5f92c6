#include "options.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

namespace assay_cli {
namespace {

struct LimitFlag {
  std::string_view flag;
  assay_option option;
  uint64_t unit;  // the flag's value is multiplied by this (e.g. seconds -> milliseconds)
};

constexpr LimitFlag kLimitFlags[] = {
    {"--max-depth", ASSAY_OPT_MAX_DEPTH, 1},
    {"--max-objects", ASSAY_OPT_MAX_OBJECTS, 1},
    {"--max-bytes", ASSAY_OPT_MAX_OBJECT_BYTES, 1},
    {"--max-object-bytes", ASSAY_OPT_MAX_OBJECT_BYTES, 1},
    {"--max-total-bytes", ASSAY_OPT_MAX_TOTAL_BYTES, 1},
    {"--max-ratio", ASSAY_OPT_MAX_RATIO, 1},
    {"--timeout", ASSAY_OPT_TIMEOUT_MS, 1000},
    {"--magic-prefix-bytes", ASSAY_OPT_MAGIC_PREFIX_BYTES, 1},
    {"--parallel-hash-bytes", ASSAY_OPT_PARALLEL_HASH_BYTES, 1},
};

// Accepts plain numbers and, for byte sizes, K/M/G suffixes (powers of 1024); --timeout takes
// fractional seconds.
bool parse_number(std::string_view text, uint64_t unit, uint64_t& out) {
  if (text.empty()) return false;
  uint64_t multiplier = unit;
  const char suffix = text.back();
  if (unit == 1 && (suffix == 'K' || suffix == 'M' || suffix == 'G')) {
    multiplier = suffix == 'K' ? 1ull << 10 : suffix == 'M' ? 1ull << 20 : 1ull << 30;
    text.remove_suffix(1);
  }
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !(value >= 0)) return false;
  const double scaled = std::round(value * static_cast<double>(multiplier));
  if (scaled > 1.8e19) return false;
  out = static_cast<uint64_t>(scaled);
  return true;
}

}  // namespace

const char* usage() {
  return "usage: assay scan [options] PATH...\n"
         "  Scans files (directories recursively) and prints one JSON line per file:\n"
         "  {\"path\": ..., \"tc_report\": [...]}. Exit status: 0 nothing detected, 1 detected, 2 error.\n"
         "options:\n"
         "  --pretty                 indent the JSON (for one report at a time)\n"
         "  --rules PATH             YARA rules: a .yar/.yara file, a compiled rules file or a folder\n"
         "                           (repeatable); a file that fails to compile is reported and skipped\n"
         "  --report-type NAME       small, medium, large (default) or a custom type\n"
         "  --view NAME              nested (default), flat or extended\n"
         "  --include-fields JSON    only these dot paths, e.g. '[\"info.file.size\",\"classification\"]'\n"
         "  --exclude-fields JSON    without these dot paths\n"
         "  --report-types-dir DIR   custom report types (*.json: name, base, include, exclude)\n"
         "  --v13                    enumerations as integers where strings are used now\n"
         "  -j, --jobs N             scan N files at once (default 1)\n"
         "  --max-depth N            containers at this depth are not unpacked (default 16)\n"
         "  --max-objects N          objects per scan (default 10000)\n"
         "  --max-bytes SIZE         bytes of one object, e.g. 256M (alias --max-object-bytes); a larger\n"
         "                           input is hashed and identified only\n"
         "  --max-total-bytes SIZE   decoded bytes of one scan, e.g. 1G\n"
         "  --max-ratio N            decoded per compressed byte (default 100)\n"
         "  --timeout SECONDS        wall time of one scan (default 30)\n"
         "  --parallel-hash-bytes SIZE  hash objects this large on a helper thread beside YARA\n"
         "                           (default 256K; 0: never)\n"
         "  --password TEXT          also try TEXT on encrypted members (repeatable; default list: infected)\n"
         "  --no-default-passwords   start from an empty password list\n";
}

bool parse_scan_options(int argc, char** argv, Options& options, std::string& error) {
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string_view& out) {
      if (i + 1 >= argc) {
        error = std::string(arg) + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string_view text;
    if (arg == "--pretty") {
      options.pretty = true;
    } else if (arg == "--no-default-passwords") {
      options.replace_passwords = true;
    } else if (arg == "--password") {
      if (!value(text)) return false;
      options.passwords.emplace_back(text);
    } else if (arg == "--rules") {
      if (!value(text)) return false;
      options.rules.emplace_back(text);
    } else if (arg == "--report-type") {
      if (!value(text)) return false;
      options.report_type = std::string(text);
    } else if (arg == "--view") {
      if (!value(text)) return false;
      options.view = std::string(text);
    } else if (arg == "--include-fields") {
      if (!value(text)) return false;
      options.include_fields = std::string(text);
    } else if (arg == "--exclude-fields") {
      if (!value(text)) return false;
      options.exclude_fields = std::string(text);
    } else if (arg == "--report-types-dir") {
      if (!value(text)) return false;
      options.report_types_dir = std::string(text);
    } else if (arg == "--v13") {
      options.v13 = true;
    } else if (arg == "-j" || arg == "--jobs") {
      uint64_t jobs = 0;
      if (!value(text)) return false;
      if (!parse_number(text, 1, jobs) || jobs == 0 || jobs > 256) {
        error = "--jobs takes a number from 1 to 256";
        return false;
      }
      options.jobs = static_cast<unsigned>(jobs);
    } else if (arg == "--") {
      for (++i; i < argc; ++i) options.paths.emplace_back(argv[i]);
    } else if (arg.starts_with("-") && arg.size() > 1) {
      const LimitFlag* flag = nullptr;
      for (const LimitFlag& candidate : kLimitFlags) {
        if (candidate.flag == arg) flag = &candidate;
      }
      if (flag == nullptr) {
        error = "unknown option " + std::string(arg);
        return false;
      }
      uint64_t number = 0;
      if (!value(text)) return false;
      if (!parse_number(text, flag->unit, number)) {
        error = std::string(arg) + ": not a number: " + std::string(text);
        return false;
      }
      options.limits.emplace_back(flag->option, number);
    } else {
      options.paths.emplace_back(arg);
    }
  }
  if (options.paths.empty()) {
    error = "no PATH given";
    return false;
  }
  return true;
}

}  // namespace assay_cli
