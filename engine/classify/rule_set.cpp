#include "classify/rule_set.h"

#include <openssl/evp.h>
#include <yara.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "classify/threat_name.h"

namespace assay {
namespace {

namespace fs = std::filesystem;

// libyara keeps process-wide tables; yr_initialize is reference-counted, and we hold one reference
// for the life of the process so that rules may be compiled and freed on any thread at any time.
void ensure_yara_initialized() {
  static const int status = yr_initialize();
  (void)status;
}


bool has_compiled_magic(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && std::string_view(magic, 4) == "YARA";
}

bool is_rule_source(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".yar" || ext == ".yara";
}

// Every rule file under `paths`, in a stable order, with whether it is precompiled.
std::vector<std::pair<fs::path, bool>> collect_rule_files(const std::vector<std::string>& paths,
                                                          std::vector<RulesetStatus>& missing) {
  std::vector<std::pair<fs::path, bool>> files;
  const auto consider = [&](const fs::path& path, bool named_explicitly) {
    if (is_rule_source(path)) {
      files.emplace_back(path, false);
    } else if (has_compiled_magic(path)) {
      files.emplace_back(path, true);
    } else if (named_explicitly) {
      RulesetStatus status;
      status.name = path.stem().string();
      status.path = path.string();
      status.errors.push_back(path.string() + ": neither a .yar/.yara source nor a compiled YARA rules file");
      missing.push_back(std::move(status));
    }
  };
  for (const std::string& text : paths) {
    const fs::path path(text);
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<fs::path> found;
      for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, error), end;
           !error && it != end; it.increment(error)) {
        if (it->is_regular_file(error)) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      for (const fs::path& file : found) consider(file, false);
    } else if (fs::is_regular_file(path, error)) {
      consider(path, true);
    } else {
      RulesetStatus status;
      status.name = path.stem().string();
      status.path = text;
      status.errors.push_back(text + ": no such file or folder");
      missing.push_back(std::move(status));
    }
  }
  return files;
}

// Collects compiler diagnostics for whichever file is being added.
struct Diagnostics {
  std::vector<std::string>* errors = nullptr;
  std::vector<std::string>* warnings = nullptr;
};

void on_compiler_message(int level, const char* file, int line, const YR_RULE*, const char* message, void* data) {
  auto* sink = static_cast<Diagnostics*>(data);
  std::string text = std::string(file != nullptr ? file : "<rules>") + ":" + std::to_string(line) + ": " +
                     (message != nullptr ? message : "error");
  auto* list = level == YARA_ERROR_LEVEL_ERROR ? sink->errors : sink->warnings;
  if (list != nullptr) list->push_back(std::move(text));
}

YR_COMPILER* new_compiler(Diagnostics& diagnostics) {
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS) return nullptr;
  yr_compiler_set_callback(compiler, on_compiler_message, &diagnostics);
  for (const char* name : kYaraExternals) yr_compiler_define_string_variable(compiler, name, "");
  return compiler;
}

// `import "m" ` for each module, all on one line: put before a source's first line, it leaves the
// line numbers of the compiler's messages as they were.
std::string import_prefix(const std::vector<std::string>& modules) {
  std::string prefix;
  for (const std::string& module : modules) prefix += "import \"" + module + "\" ";
  return prefix;
}

// Adds one source to `compiler`, preceded by `prefix` (import_prefix); returns the number of errors.
// A file is compiled under its own path, so that its relative includes resolve from its folder.
int add_source(YR_COMPILER* compiler, const std::string& content, const fs::path& path, bool from_text,
               const std::string& ns, const std::string& prefix) {
  if (from_text) return yr_compiler_add_string(compiler, (prefix + content).c_str(), ns.c_str());
  std::string text;
  FILE* handle = nullptr;
  if (prefix.empty()) {
    handle = std::fopen(path.c_str(), "rb");
  } else {
    text = prefix + content;
    handle = fmemopen(text.data(), text.size(), "rb");
  }
  if (handle == nullptr) return 1;
  const int errors = yr_compiler_add_file(compiler, handle, ns.c_str(), path.c_str());
  std::fclose(handle);
  return errors;
}

// The module a source used without importing it, from libyara's message for that case
// ('undefined identifier "pe"'), when the name is one of YARA's modules.
std::optional<std::string> unimported_module(const std::vector<std::string>& errors) {
  static constexpr std::string_view kModules[] = {"pe", "elf", "math", "hash", "dotnet", "time",
                                                  "console", "string", "magic", "cuckoo"};
  static constexpr std::string_view kMessage = "undefined identifier \"";
  for (const std::string& error : errors) {
    const size_t at = error.find(kMessage);
    if (at == std::string::npos) continue;
    const size_t start = at + kMessage.size();
    const size_t end = error.find('"', start);
    if (end == std::string::npos) continue;
    const std::string_view name(error.data() + start, end - start);
    for (std::string_view module : kModules) {
      if (name == module) return std::string(name);
    }
  }
  return std::nullopt;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Reads the verdict meta of one rule; problems go to `warnings`.
RuleVerdict read_rule_verdict(const YR_RULE* rule, std::vector<std::string>& warnings) {
  RuleVerdict verdict;
  std::string platform, subplatform, type, family, threat_name;
  const YR_META* meta = nullptr;
  yr_rule_metas_foreach(rule, meta) {
    const std::string name = lowercase(meta->identifier);
    const std::string text = meta->type == META_TYPE_STRING && meta->string != nullptr ? meta->string : "";
    if (name == "classification") {
      const std::string value = lowercase(text);
      if (value == "malicious") {
        verdict.verdict = Verdict::Malicious;
      } else if (value == "suspicious") {
        verdict.verdict = Verdict::Suspicious;
      } else if (value == "goodware") {
        verdict.verdict = Verdict::Goodware;
      } else {
        warnings.push_back(std::string("rule ") + rule->identifier + ": unknown classification '" + text + "'");
        continue;
      }
      verdict.explicit_verdict = true;
    } else if (name == "factor") {
      const int64_t factor = meta->type == META_TYPE_INTEGER ? meta->integer : std::atoll(text.c_str());
      if (factor < 0 || factor > 5) {
        warnings.push_back(std::string("rule ") + rule->identifier + ": factor must be 0..5");
      } else {
        verdict.factor = static_cast<uint8_t>(factor);
      }
    } else if (name == "threat_name") {
      threat_name = text;
    } else if (name == "platform") {
      platform = text;
    } else if (name == "subplatform") {
      subplatform = text;
    } else if (name == "type") {
      type = text;
    } else if (name == "family") {
      family = text;
    }
  }
  if (threat_name.empty() && !platform.empty() && !type.empty() && !family.empty()) {
    threat_name = platform + (subplatform.empty() ? "" : "-" + subplatform) + "." + type + "." + family;
  }
  if (!threat_name.empty()) {
    const std::string problem = threat_name_problem(threat_name);
    if (problem.empty()) {
      verdict.threat_name = threat_name;
    } else {
      warnings.push_back(std::string("rule ") + rule->identifier + ": threat name '" + threat_name + "' " + problem +
                         "; its matches classify without a name");
    }
  }
  return verdict;
}

std::string sha1_hex(const std::vector<std::pair<std::string, std::string>>& parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  for (const auto& [name, content] : parts) {
    // Length-prefixed, so ("ab","c") and ("a","bc") differ.
    const std::string header = name + '\0' + std::to_string(content.size()) + '\0';
    EVP_DigestUpdate(ctx, header.data(), header.size());
    EVP_DigestUpdate(ctx, content.data(), content.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xF]);
  }
  return out;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

// One ruleset to build: a file (compiled with its path known, so relative includes work) or text.
struct RuleSet::Source {
  fs::path path;
  std::string name;
  bool precompiled = false;
  bool from_text = false;
  std::string content;  // sources: what the identifier hashes (and, for text, what is compiled)
  std::vector<std::string> implied_imports;  // modules it uses without importing them
};

// Compiles `file` alone into a scratch compiler, so that its own diagnostics land in `status`.
//
// Rule sets such as signature-base are written to be compiled as one source, where one file's
// `import "pe"` serves every file after it. Here each file is a namespace of its own, so a file that
// uses a module without importing it is given the import it relied on, and a warning says so.
bool RuleSet::compile_alone(Source& file, RulesetStatus& status) {
  std::vector<std::string> first_errors;
  for (;;) {
    status.errors.clear();
    status.warnings.clear();
    Diagnostics alone{&status.errors, &status.warnings};
    YR_COMPILER* single = new_compiler(alone);
    if (single == nullptr) return false;
    const int errors =
        add_source(single, file.content, file.path, file.from_text, status.name, import_prefix(file.implied_imports));
    yr_compiler_destroy(single);
    if (errors == 0) {
      status.warnings.clear();  // they are collected again in the combined compile
      return true;
    }
    if (first_errors.empty()) first_errors = status.errors;
    const std::optional<std::string> module = unimported_module(status.errors);
    const bool tried = module && std::find(file.implied_imports.begin(), file.implied_imports.end(), *module) !=
                                     file.implied_imports.end();
    if (!module || tried) {
      // Broken as written. The imports given keep line numbers, so the messages after them point
      // at the next real problem; unless it was the import itself (a module this libyara lacks):
      // then the first messages say what the file did.
      const bool import_failed = std::any_of(status.errors.begin(), status.errors.end(), [](const std::string& e) {
        return e.find("unknown module") != std::string::npos;
      });
      if (import_failed || tried) status.errors = std::move(first_errors);
      file.implied_imports.clear();
      if (status.errors.empty()) status.errors.push_back(status.path + ": cannot be read");
      return false;
    }
    file.implied_imports.push_back(*module);
  }
}

RuleSet::~RuleSet() {
  for (YR_RULES* rules : compiled_) yr_rules_destroy(rules);
}

bool RuleSet::all_compiled() const {
  return std::all_of(statuses_.begin(), statuses_.end(), [](const RulesetStatus& s) { return s.active; });
}

uint64_t RuleSet::rule_count() const {
  uint64_t total = 0;
  for (const RulesetStatus& status : statuses_) total += status.rule_count;
  return total;
}

const RuleVerdict& RuleSet::verdict_of(const YR_RULE* rule) const {
  static const RuleVerdict kDefault;
  const auto found = verdicts_.find(rule);
  return found != verdicts_.end() ? found->second : kDefault;
}

std::shared_ptr<const RuleSet> RuleSet::load(const std::vector<std::string>& paths) {
  std::vector<RulesetStatus> unusable;
  std::vector<Source> files;
  for (auto& [path, precompiled] : collect_rule_files(paths, unusable)) {
    Source source{path, path.stem().string(), precompiled, false, {}, {}};
    if (!precompiled) source.content = read_all(path);
    files.push_back(std::move(source));
  }
  return build(std::move(files), std::move(unusable));
}

std::shared_ptr<const RuleSet> RuleSet::from_text(const std::vector<std::pair<std::string, std::string>>& sources) {
  std::vector<Source> files;
  for (const auto& [name, text] : sources) files.push_back(Source{{}, name, false, true, text, {}});
  return build(std::move(files), {});
}

std::shared_ptr<const RuleSet> RuleSet::build(std::vector<Source> files, std::vector<RulesetStatus> unusable) {
  ensure_yara_initialized();
  std::shared_ptr<RuleSet> set(new RuleSet());

  // One status per file; namespaces are the stems, made unique when two files share a stem.
  std::map<std::string, int> stems;
  std::vector<size_t> sources;
  for (size_t i = 0; i < files.size(); ++i) {
    RulesetStatus status;
    status.name = files[i].name;
    if (const int seen = stems[status.name]++; seen > 0) status.name.append("_").append(std::to_string(seen + 1));
    status.path = files[i].path.string();
    status.precompiled = files[i].precompiled;
    set->statuses_.push_back(std::move(status));
    if (!files[i].precompiled) sources.push_back(i);
  }

  // Optimistic path: every source into one compiler. libyara cannot go on after an error, so on any
  // failure each file is tried alone to find the broken ones, and the good ones are compiled again.
  std::vector<std::optional<size_t>> owners;  // for each compiled set: the one file it came from, if one
  std::vector<size_t> good = sources;
  for (int attempt = 0; attempt < 2 && !good.empty(); ++attempt) {
    Diagnostics diagnostics;
    YR_COMPILER* compiler = new_compiler(diagnostics);
    if (compiler == nullptr) break;
    int errors = 0;
    for (size_t i : good) {
      diagnostics.errors = &set->statuses_[i].errors;
      diagnostics.warnings = &set->statuses_[i].warnings;
      errors += add_source(compiler, files[i].content, files[i].path, files[i].from_text, set->statuses_[i].name,
                           import_prefix(files[i].implied_imports));
      if (errors > 0) break;
    }
    if (errors == 0) {
      YR_RULES* rules = nullptr;
      if (yr_compiler_get_rules(compiler, &rules) == ERROR_SUCCESS) {
        set->compiled_.push_back(rules);
        owners.push_back(std::nullopt);  // rules of many files: attributed by namespace
        for (size_t i : good) set->statuses_[i].active = true;
      }
      yr_compiler_destroy(compiler);
      break;
    }
    yr_compiler_destroy(compiler);
    // Find every broken file on its own; keep only its own diagnostics.
    std::vector<size_t> still_good;
    for (size_t i : good) {
      if (compile_alone(files[i], set->statuses_[i])) still_good.push_back(i);
    }
    good = std::move(still_good);
  }
  for (size_t i : sources) {
    if (!set->statuses_[i].active || files[i].implied_imports.empty()) continue;
    std::string modules;
    for (const std::string& module : files[i].implied_imports) modules += (modules.empty() ? "\"" : ", \"") + module + "\"";
    set->statuses_[i].warnings.push_back(set->statuses_[i].path + ": uses module " + modules +
                                         " without importing it; imported for it, as when a rule set's files are "
                                         "compiled as one source");
  }

  for (size_t i = 0; i < files.size(); ++i) {
    if (!files[i].precompiled) continue;
    YR_RULES* rules = nullptr;
    const int status = yr_rules_load(files[i].path.c_str(), &rules);
    if (status == ERROR_SUCCESS) {
      set->compiled_.push_back(rules);
      owners.push_back(i);
      set->statuses_[i].active = true;
    } else {
      set->statuses_[i].errors.push_back(set->statuses_[i].path + ": not a loadable compiled rules file (libyara error " +
                                         std::to_string(status) + ")");
    }
  }

  // Read every rule's verdict meta once, and count rules per ruleset (by namespace).
  std::map<std::string, size_t> by_namespace;
  for (size_t i = 0; i < set->statuses_.size(); ++i) by_namespace[set->statuses_[i].name] = i;
  for (size_t c = 0; c < set->compiled_.size(); ++c) {
    const YR_RULE* rule = nullptr;
    yr_rules_foreach(set->compiled_[c], rule) {
      const auto found = by_namespace.find(rule->ns->name);
      RulesetStatus* status = owners[c]                        ? &set->statuses_[*owners[c]]
                              : found != by_namespace.end() ? &set->statuses_[found->second]
                                                            : nullptr;
      std::vector<std::string> problems;
      set->verdicts_.emplace(rule, read_rule_verdict(rule, problems));
      if (status != nullptr) {
        ++status->rule_count;
        for (std::string& problem : problems) status->warnings.push_back(std::move(problem));
      }
    }
  }

  std::vector<std::pair<std::string, std::string>> active;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!set->statuses_[i].active) continue;
    active.emplace_back(set->statuses_[i].name, files[i].precompiled ? read_all(files[i].path) : files[i].content);
  }
  if (!active.empty()) set->identifier_ = sha1_hex(active);
  for (RulesetStatus& status : unusable) set->statuses_.push_back(std::move(status));
  return set;
}

}  // namespace assay
