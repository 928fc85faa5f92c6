// engine_host.cpp: see engine_host.h.
#include "engine_host.h"

#include <sys/stat.h>

#include <cstring>

namespace worker {
namespace {

struct OptionsDeleter {
  void operator()(assay_render_options* o) const { assay_render_options_free(o); }
};
struct ReportDeleter {
  void operator()(assay_report* r) const { assay_report_free(r); }
};
using OptionsPtr = std::unique_ptr<assay_render_options, OptionsDeleter>;
using ReportPtr = std::unique_ptr<assay_report, ReportDeleter>;

bool path_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

std::optional<assay_option> option_by_name(const std::string& name) {
  for (int o = 1; o <= 16; ++o) {
    const char* n = assay_option_name(static_cast<assay_option>(o));
    if (n != nullptr && name == n) return static_cast<assay_option>(o);
  }
  return std::nullopt;
}

// Builds the render options of a request; on a bad parameter, fills `result` with the 400.
OptionsPtr make_options(const RenderRequest& request, RenderResult& result) {
  assay_render_options* raw = nullptr;
  if (assay_render_options_new(&raw) != ASSAY_OK) {
    result.http_status = 500;
    result.error = "cannot allocate render options";
    return nullptr;
  }
  OptionsPtr options(raw);
  const std::pair<assay_render_option, const std::optional<std::string>*> texts[] = {
      {ASSAY_RENDER_REPORT_TYPE, &request.report_type},
      {ASSAY_RENDER_VIEW, &request.view},
      {ASSAY_RENDER_INCLUDE_FIELDS, &request.include_fields},
      {ASSAY_RENDER_EXCLUDE_FIELDS, &request.exclude_fields},
  };
  for (const auto& [option, value] : texts) {
    if (!*value || (*value)->empty()) continue;
    if (assay_render_options_set_text(options.get(), option, (*value)->c_str()) != ASSAY_OK) {
      result.http_status = 400;
      result.error = assay_render_options_last_error(options.get());
      return nullptr;
    }
  }
  if (request.full) assay_render_options_set_bool(options.get(), ASSAY_RENDER_FULL, *request.full ? 1 : 0);
  if (request.v13) assay_render_options_set_bool(options.get(), ASSAY_RENDER_V13, *request.v13 ? 1 : 0);
  return options;
}

RenderResult render_bytes(const assay_engine* engine, const std::vector<uint8_t>& saved,
                          const RenderRequest& request) {
  RenderResult result;
  OptionsPtr options = make_options(request, result);
  if (!options) return result;
  assay_report* raw = nullptr;
  if (assay_report_load(engine, saved.data(), saved.size(), &raw) != ASSAY_OK) {
    result.http_status = 500;
    result.error = "the stored report cannot be read";
    return result;
  }
  ReportPtr report(raw);
  const char* json = nullptr;
  size_t length = 0;
  const int status = assay_report_render(report.get(), options.get(), &json, &length);
  if (status != ASSAY_OK) {
    // An unknown report type is the client's mistake; the message lists the known ones.
    result.http_status = status == ASSAY_E_UNSUPPORTED || status == ASSAY_E_INVALID_ARGUMENT ? 400 : 500;
    result.error = assay_report_last_error(report.get());
    return result;
  }
  result.json.assign(json, length);
  return result;
}

}  // namespace

std::unique_ptr<EngineHost> EngineHost::create(const Config& c, std::string& error) {
  auto host = std::unique_ptr<EngineHost>(new EngineHost());
  if (c.rules) {
    host->rule_paths_ = *c.rules;
  } else if (path_exists(ASSAY_WORKER_BUNDLED_RULES)) {
    host->rule_paths_.push_back(ASSAY_WORKER_BUNDLED_RULES);
  }
  assay_config* config = nullptr;
  if (assay_config_new(&config) != ASSAY_OK) {
    error = "cannot allocate the engine configuration";
    return nullptr;
  }
  bool ok = true;
  for (const auto& [name, value] : c.engine.limits) {
    const std::optional<assay_option> option = option_by_name(name);
    if (!option || assay_config_set_u64(config, *option, value) != ASSAY_OK) {
      error = "engine." + name + ": " + (option ? assay_config_last_error(config) : "unknown option");
      ok = false;
      break;
    }
  }
  if (ok && c.engine.passwords) {
    assay_config_clear_passwords(config);
    for (const std::string& p : *c.engine.passwords) assay_config_add_password(config, p.c_str());
  }
  for (const std::string& path : host->rule_paths_) {
    if (!ok) break;
    if (!path_exists(path)) {
      error = "rules: " + path + ": " + std::strerror(errno);
      ok = false;
    } else {
      assay_config_add_rules(config, path.c_str());
    }
  }
  if (ok && !c.report_types_dir.empty() &&
      assay_config_set_text(config, ASSAY_OPT_REPORT_TYPES_DIR, c.report_types_dir.c_str()) != ASSAY_OK) {
    error = std::string("report_types_dir: ") + assay_config_last_error(config);
    ok = false;
  }
  if (ok && assay_engine_new(&host->engine_, config) != ASSAY_OK) {
    error = std::string("cannot create the engine: ") + assay_config_last_error(config);
    ok = false;
  }
  assay_config_free(config);
  if (!ok) return nullptr;

  // The saved report of an empty file: what validate() renders.
  assay_scanner* scanner = nullptr;
  assay_report* report = nullptr;
  const uint8_t* bytes = nullptr;
  size_t length = 0;
  if (assay_scanner_new(&scanner, host->engine_) != ASSAY_OK ||
      assay_scan_buffer(scanner, nullptr, 0, "", &report) < 0 || assay_report_save(report, &bytes, &length) != ASSAY_OK) {
    error = std::string("the engine cannot scan: ") + assay_scanner_last_error(scanner);
    ok = false;
  } else {
    host->empty_report_.assign(bytes, bytes + length);
  }
  assay_report_free(report);
  assay_scanner_free(scanner);
  return ok ? std::move(host) : nullptr;
}

EngineHost::~EngineHost() { assay_engine_free(engine_); }

std::string EngineHost::rules_id() const {
  assay_rules* rules = nullptr;
  if (assay_engine_rules(engine_, &rules) != ASSAY_OK) return "";
  std::string id = assay_rules_id(rules);
  assay_rules_free(rules);
  return id;
}

namespace {

std::vector<EngineHost::Ruleset> rulesets_of(const assay_rules* rules) {
  std::vector<EngineHost::Ruleset> out;
  for (size_t i = 0; i < assay_rules_count(rules); ++i) {
    assay_ruleset_info info{};
    info.struct_size = sizeof info;
    if (assay_rules_info(rules, i, &info) != ASSAY_OK) continue;
    out.push_back(EngineHost::Ruleset{info.name, info.path, info.errors, info.active != 0});
  }
  return out;
}

}  // namespace

std::vector<EngineHost::Ruleset> EngineHost::rulesets() const {
  assay_rules* rules = nullptr;
  if (assay_engine_rules(engine_, &rules) != ASSAY_OK) return {};
  std::vector<Ruleset> out = rulesets_of(rules);
  assay_rules_free(rules);
  return out;
}

bool EngineHost::reload(std::vector<Ruleset>& failures) const {
  assay_rules* attempt = nullptr;
  const int status = assay_engine_reload(engine_, ASSAY_RELOAD_STRICT, &attempt);
  if (attempt != nullptr) {
    for (Ruleset& r : rulesets_of(attempt)) {
      if (!r.active) failures.push_back(std::move(r));
    }
  }
  assay_rules_free(attempt);
  return status == ASSAY_OK;
}

std::vector<std::string> EngineHost::rule_problems() const {
  std::vector<std::string> out;
  assay_rules* rules = nullptr;
  if (assay_engine_rules(engine_, &rules) != ASSAY_OK) return out;
  for (size_t i = 0; i < assay_rules_count(rules); ++i) {
    assay_ruleset_info info{};
    info.struct_size = sizeof info;
    if (assay_rules_info(rules, i, &info) != ASSAY_OK) continue;
    if (info.errors != nullptr && *info.errors != '\0') out.push_back(std::string("rules error: ") + info.errors);
    if (info.warnings != nullptr && *info.warnings != '\0') out.push_back(std::string("rules warning: ") + info.warnings);
  }
  assay_rules_free(rules);
  return out;
}

RenderResult EngineHost::render(const std::vector<uint8_t>& saved, const RenderRequest& request) const {
  return render_bytes(engine_, saved, request);
}

RenderResult EngineHost::validate(const RenderRequest& request) const {
  RenderResult result = render_bytes(engine_, empty_report_, request);
  result.json.clear();
  return result;
}

}  // namespace worker
