// Command-line options of `assay scan`, parsed into engine settings the C ABI understands.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "assay.h"

namespace assay_cli {

struct Options {
  std::vector<std::string> paths;
  std::vector<std::pair<assay_option, uint64_t>> limits;  // applied in order
  std::vector<std::string> passwords;
  std::vector<std::string> rules;  // --rules PATH, repeatable
  bool replace_passwords = false;  // --no-default-passwords
  bool pretty = false;
  std::string report_type = "large";  // the CLI prints everything unless asked otherwise
  std::string view;
  std::string include_fields;  // JSON arrays of dot paths
  std::string exclude_fields;
  std::string report_types_dir;
  bool v13 = false;
  unsigned jobs = 1;
};

// Parses argv after the "scan" word. On error returns false with a message in `error`.
bool parse_scan_options(int argc, char** argv, Options& options, std::string& error);

const char* usage();

}  // namespace assay_cli
