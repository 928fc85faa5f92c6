// C ABI: versions, status names and engine configuration.
#include <array>
#include <string>

#include "objects.h"

using assay::capi::checked;
using assay::capi::guarded;

namespace {

struct OptionSpec {
  assay_option option;
  const char* name;
  uint64_t min;
  uint64_t max;
  uint64_t assay::Limits::*limit;            // for options stored in Limits
};

constexpr uint64_t kMaxBytes = uint64_t{1} << 44;  // 16 TiB: anything larger is a typo, not a limit

const std::array<OptionSpec, 6> kLimitOptions = {{
    {ASSAY_OPT_MAX_DEPTH, "max_depth", 0, 1024, &assay::Limits::max_depth},
    {ASSAY_OPT_MAX_OBJECTS, "max_objects", 1, 100'000'000, &assay::Limits::max_objects},
    {ASSAY_OPT_MAX_OBJECT_BYTES, "max_object_bytes", 1, kMaxBytes, &assay::Limits::max_object_bytes},
    {ASSAY_OPT_MAX_TOTAL_BYTES, "max_total_bytes", 1, kMaxBytes, &assay::Limits::max_total_bytes},
    {ASSAY_OPT_MAX_RATIO, "max_ratio", 2, 1'000'000, &assay::Limits::max_ratio},
    {ASSAY_OPT_TIMEOUT_MS, "timeout", 1, 86'400'000, &assay::Limits::timeout_ms},
}};

constexpr uint64_t kMagicPrefixMin = 512;
constexpr uint64_t kMagicPrefixMax = 16 << 20;

const OptionSpec* find_limit_option(assay_option option) {
  for (const OptionSpec& spec : kLimitOptions) {
    if (spec.option == option) return &spec;
  }
  return nullptr;
}

}  // namespace

extern "C" {

const char* assay_version(void) { return ASSAY_VERSION_STRING; }
int assay_abi_version(void) { return ASSAY_ABI_VERSION; }

const char* assay_status_name(int status) {
  switch (status) {
    case ASSAY_OK: return "ok";
    case ASSAY_LIMIT_REACHED: return "limit reached";
    case ASSAY_ABORTED: return "aborted";
    case ASSAY_E_INVALID_ARGUMENT: return "invalid argument";
    case ASSAY_E_INVALID_HANDLE: return "invalid handle";
    case ASSAY_E_OUT_OF_RANGE: return "out of range";
    case ASSAY_E_IO: return "i/o error";
    case ASSAY_E_TOO_LARGE: return "too large";
    case ASSAY_E_NO_MEMORY: return "out of memory";
    case ASSAY_E_UNSUPPORTED: return "unsupported";
    case ASSAY_E_INTERNAL: return "internal error";
    case ASSAY_E_RULES: return "rules failed to compile";
    default: return "unknown status";
  }
}

int assay_config_new(assay_config** out) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  return guarded(nullptr, [&]() -> int {
    *out = assay::capi::make_handle<assay_config>();
    return ASSAY_OK;
  });
}

void assay_config_free(assay_config* config) {
  if (auto* c = checked<assay_config>(config)) assay::capi::free_handle(c);
}

int assay_option_bounds(assay_option option, uint64_t* min, uint64_t* max, uint64_t* default_value) {
  const assay::EngineConfig defaults;
  uint64_t lo = 0, hi = 0, value = 0;
  if (const OptionSpec* spec = find_limit_option(option)) {
    lo = spec->min, hi = spec->max, value = defaults.limits.*(spec->limit);
  } else if (option == ASSAY_OPT_MAGIC_PREFIX_BYTES) {
    lo = kMagicPrefixMin, hi = kMagicPrefixMax, value = defaults.magic_prefix_bytes;
  } else if (option == ASSAY_OPT_PARALLEL_HASH_BYTES) {
    lo = 0, hi = kMaxBytes, value = defaults.parallel_hash_bytes;
  } else {
    return ASSAY_E_INVALID_ARGUMENT;
  }
  if (min != nullptr) *min = lo;
  if (max != nullptr) *max = hi;
  if (default_value != nullptr) *default_value = value;
  return ASSAY_OK;
}

const char* assay_option_name(assay_option option) {
  if (const OptionSpec* spec = find_limit_option(option)) return spec->name;
  if (option == ASSAY_OPT_MAGIC_PREFIX_BYTES) return "magic_prefix_bytes";
  if (option == ASSAY_OPT_REPORT_TYPES_DIR) return "report_types_dir";
  if (option == ASSAY_OPT_PARALLEL_HASH_BYTES) return "parallel_hash_bytes";
  return nullptr;
}

int assay_config_set_u64(assay_config* config, assay_option option, uint64_t value) {
  auto* c = checked<assay_config>(config);
  if (c == nullptr) return ASSAY_E_INVALID_HANDLE;
  uint64_t lo = 0, hi = 0;
  if (assay_option_bounds(option, &lo, &hi, nullptr) != ASSAY_OK) {
    return c->fail(ASSAY_E_INVALID_ARGUMENT, "unknown option " + std::to_string(static_cast<int>(option)));
  }
  if (value < lo || value > hi) {
    return c->fail(ASSAY_E_OUT_OF_RANGE, std::string(assay_option_name(option)) + " must be between " +
                                             std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                                             std::to_string(value));
  }
  if (const OptionSpec* spec = find_limit_option(option)) {
    c->settings.limits.*(spec->limit) = value;
  } else if (option == ASSAY_OPT_PARALLEL_HASH_BYTES) {
    c->settings.parallel_hash_bytes = value;
  } else {
    c->settings.magic_prefix_bytes = static_cast<size_t>(value);
  }
  c->last_error.clear();
  return ASSAY_OK;
}

int assay_config_get_u64(const assay_config* config, assay_option option, uint64_t* value) {
  auto* c = checked<assay_config>(config);
  if (c == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (value == nullptr) return c->fail(ASSAY_E_INVALID_ARGUMENT, "value is NULL");
  if (const OptionSpec* spec = find_limit_option(option)) {
    *value = c->settings.limits.*(spec->limit);
  } else if (option == ASSAY_OPT_MAGIC_PREFIX_BYTES) {
    *value = c->settings.magic_prefix_bytes;
  } else if (option == ASSAY_OPT_PARALLEL_HASH_BYTES) {
    *value = c->settings.parallel_hash_bytes;
  } else {
    return c->fail(ASSAY_E_INVALID_ARGUMENT, "unknown option " + std::to_string(static_cast<int>(option)));
  }
  return ASSAY_OK;
}

int assay_config_set_text(assay_config* config, assay_option option, const char* value) {
  auto* c = checked<assay_config>(config);
  if (c == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (value == nullptr) return c->fail(ASSAY_E_INVALID_ARGUMENT, "value is NULL");
  if (option != ASSAY_OPT_REPORT_TYPES_DIR) {
    return c->fail(ASSAY_E_INVALID_ARGUMENT, "option " + std::to_string(static_cast<int>(option)) + " does not take text");
  }
  return guarded(c, [&]() -> int {
    c->settings.report_types_dir = value;
    return ASSAY_OK;
  });
}

int assay_config_add_password(assay_config* config, const char* password) {
  auto* c = checked<assay_config>(config);
  if (c == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (password == nullptr) return c->fail(ASSAY_E_INVALID_ARGUMENT, "password is NULL");
  return guarded(c, [&]() -> int {
    c->settings.passwords.emplace_back(password);
    return ASSAY_OK;
  });
}

int assay_config_clear_passwords(assay_config* config) {
  auto* c = checked<assay_config>(config);
  if (c == nullptr) return ASSAY_E_INVALID_HANDLE;
  c->settings.passwords.clear();
  return ASSAY_OK;
}

const char* assay_config_last_error(const assay_config* config) {
  auto* c = checked<assay_config>(config);
  return c != nullptr ? c->last_error.c_str() : "invalid config handle";
}

}  // extern "C"
