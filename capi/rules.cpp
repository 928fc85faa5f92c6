// C ABI: rule paths in the config, engine reload, and rules snapshots.
#include <string>

#include "objects.h"

using assay::capi::checked;
using assay::capi::guarded;

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    if (!text.empty()) text.push_back('\n');
    text.append(line);
  }
  return text;
}

int new_snapshot(std::shared_ptr<const assay::RuleSet> rules, assay_rules** out) {
  *out = assay::capi::make_handle<assay_rules>(std::move(rules));
  return ASSAY_OK;
}

}  // namespace

assay_rules::assay_rules(std::shared_ptr<const assay::RuleSet> r) : Handle(kKind), rules(std::move(r)) {
  if (!rules) return;
  for (const assay::RulesetStatus& status : rules->statuses()) {
    errors.push_back(join_lines(status.errors));
    warnings.push_back(join_lines(status.warnings));
  }
}

extern "C" {

int assay_config_add_rules(assay_config* config, const char* path) {
  auto* c = checked<assay_config>(config);
  if (c == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (path == nullptr || *path == '\0') return c->fail(ASSAY_E_INVALID_ARGUMENT, "rules path is NULL or empty");
  return guarded(c, [&]() -> int {
    c->settings.rule_paths.emplace_back(path);
    return ASSAY_OK;
  });
}

int assay_engine_reload(assay_engine* engine, int flags, assay_rules** attempt) {
  if (attempt != nullptr) *attempt = nullptr;
  auto* e = checked<assay_engine>(engine);
  if (e == nullptr) return ASSAY_E_INVALID_HANDLE;
  if ((flags & ~ASSAY_RELOAD_STRICT) != 0) return ASSAY_E_INVALID_ARGUMENT;
  return guarded(nullptr, [&]() -> int {
    std::lock_guard serial(e->slot->reload_mutex);
    const std::shared_ptr<const assay::Engine> current = e->slot->current();
    // Compiled beside the running set: scans go on meanwhile.
    std::shared_ptr<const assay::RuleSet> rules =
        current->config().rule_paths.empty() ? nullptr : assay::RuleSet::load(current->config().rule_paths);
    const bool refused = (flags & ASSAY_RELOAD_STRICT) != 0 && rules && !rules->all_compiled();
    if (!refused) e->slot->replace(std::make_shared<const assay::Engine>(*current, rules));
    if (attempt != nullptr) new_snapshot(std::move(rules), attempt);
    return refused ? ASSAY_E_RULES : ASSAY_OK;
  });
}

int assay_engine_rules(const assay_engine* engine, assay_rules** out) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  auto* e = checked<assay_engine>(engine);
  if (e == nullptr) return ASSAY_E_INVALID_HANDLE;
  return guarded(nullptr, [&] { return new_snapshot(e->slot->current()->rules(), out); });
}

void assay_rules_free(assay_rules* rules) {
  if (auto* r = checked<assay_rules>(rules)) assay::capi::free_handle(r);
}

const char* assay_rules_id(const assay_rules* rules) {
  auto* r = checked<assay_rules>(rules);
  return r != nullptr && r->rules ? r->rules->identifier().c_str() : "";
}

size_t assay_rules_count(const assay_rules* rules) {
  auto* r = checked<assay_rules>(rules);
  return r != nullptr && r->rules ? r->rules->statuses().size() : 0;
}

int assay_rules_info(const assay_rules* rules, size_t index, assay_ruleset_info* info) {
  auto* r = checked<assay_rules>(rules);
  if (r == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (info == nullptr || info->struct_size < sizeof(uint32_t)) return ASSAY_E_INVALID_ARGUMENT;
  if (!r->rules || index >= r->rules->statuses().size()) return ASSAY_E_OUT_OF_RANGE;
  const assay::RulesetStatus& status = r->rules->statuses()[index];
  using assay::capi::put_field;
  put_field(info, &assay_ruleset_info::active, status.active ? 1 : 0);
  put_field(info, &assay_ruleset_info::precompiled, status.precompiled ? 1 : 0);
  put_field(info, &assay_ruleset_info::rule_count, static_cast<uint64_t>(status.rule_count));
  put_field(info, &assay_ruleset_info::name, status.name.c_str());
  put_field(info, &assay_ruleset_info::path, status.path.c_str());
  put_field(info, &assay_ruleset_info::errors, static_cast<const char*>(r->errors[index].c_str()));
  put_field(info, &assay_ruleset_info::warnings, static_cast<const char*>(r->warnings[index].c_str()));
  return ASSAY_OK;
}

}  // extern "C"
