// C ABI: report accessors and rendering.
#include <string>

#include "objects.h"

using assay::capi::checked;
using assay::capi::guarded;

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const uint8_t* bytes, size_t size) {
  std::string text(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    text[2 * i] = kHex[bytes[i] >> 4];
    text[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return text;
}

template <typename Field>
void put(assay_object_info* info, Field assay_object_info::*member, Field value) {
  assay::capi::put_field(info, member, value);
}

}  // namespace

extern "C" {

void assay_report_free(assay_report* report) {
  if (auto* r = checked<assay_report>(report)) assay::capi::free_handle(r);
}

int assay_report_status(const assay_report* report) {
  auto* r = checked<assay_report>(report);
  return r != nullptr ? r->status : ASSAY_E_INVALID_HANDLE;
}

size_t assay_report_object_count(const assay_report* report) {
  auto* r = checked<assay_report>(report);
  return r != nullptr ? r->model.size() : 0;
}

int assay_report_root_verdict(const assay_report* report) {
  auto* r = checked<assay_report>(report);
  if (r == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (r->model.size() == 0) return ASSAY_VERDICT_UNKNOWN;
  return static_cast<int>(r->model.at(0).classification.verdict);
}

int assay_report_object_info(const assay_report* report, size_t index, assay_object_info* info) {
  auto* r = checked<assay_report>(report);
  if (r == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (info == nullptr || info->struct_size < sizeof(uint32_t)) {
    return r->fail(ASSAY_E_INVALID_ARGUMENT, "info is NULL or its struct_size is not set");
  }
  if (index >= r->model.size()) {
    return r->fail(ASSAY_E_OUT_OF_RANGE, "index " + std::to_string(index) + " is past the last object (" +
                                             std::to_string(r->model.size()) + " objects)");
  }
  return guarded(r, [&]() -> int {
    const assay::Entry& e = r->model.at(index);
    const assay::FormatInfo& format = assay::format_info(e.format);
    if (r->sha256_hex.size() < r->model.size()) r->sha256_hex.resize(r->model.size());
    std::string& sha256 = r->sha256_hex[index];
    if (sha256.empty()) sha256 = to_hex(e.digests.sha256.data(), e.digests.sha256.size());
    // FormatInfo's views point at string literals, which are NUL-terminated.
    put(info, &assay_object_info::depth, e.depth);
    put(info, &assay_object_info::index, static_cast<uint64_t>(e.index));
    put(info, &assay_object_info::parent, e.parent);
    put(info, &assay_object_info::size, e.size);
    put(info, &assay_object_info::file_type, format.file_type.data());
    put(info, &assay_object_info::file_subtype, format.file_subtype.data());
    put(info, &assay_object_info::identification,
        format.identification.empty() ? e.magic_description.c_str() : format.identification.data());
    put(info, &assay_object_info::file_name, e.file_name.c_str());
    put(info, &assay_object_info::file_path, e.file_path.c_str());
    put(info, &assay_object_info::sha256, static_cast<const char*>(sha256.c_str()));
    put(info, &assay_object_info::unpacking_status, static_cast<int>(e.unpack_status));
    put(info, &assay_object_info::verdict, static_cast<int>(e.classification.verdict));
    return ASSAY_OK;
  });
}

int assay_report_save(assay_report* report, const uint8_t** bytes, size_t* length) {
  auto* r = checked<assay_report>(report);
  if (r == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (bytes == nullptr || length == nullptr) return r->fail(ASSAY_E_INVALID_ARGUMENT, "bytes or length is NULL");
  return guarded(r, [&]() -> int {
    r->saved.clear();
    assay::encode_report(r->model, r->saved);
    *bytes = reinterpret_cast<const uint8_t*>(r->saved.data());
    *length = r->saved.size();
    return ASSAY_OK;
  });
}

int assay_report_load(const assay_engine* engine, const void* bytes, size_t length, assay_report** out) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  if (bytes == nullptr && length != 0) return ASSAY_E_INVALID_ARGUMENT;
  const assay_engine* e = nullptr;
  if (engine != nullptr) {
    e = checked<assay_engine>(engine);
    if (e == nullptr) return ASSAY_E_INVALID_HANDLE;
  }
  return guarded(nullptr, [&]() -> int {
    std::string error;
    auto model = assay::decode_report(assay::ByteSpan(static_cast<const uint8_t*>(bytes), length), error);
    if (!model) return ASSAY_E_INVALID_ARGUMENT;
    auto report = std::make_unique<assay_report>();
    report->model = std::move(*model);
    if (e != nullptr) report->report_types = e->slot->current()->report_types();
    report->status = report->model.outcome == 2 ? ASSAY_ABORTED : report->model.outcome == 1 ? ASSAY_LIMIT_REACHED : ASSAY_OK;
    assay::capi::register_handle(report.get());
    *out = report.release();
    return ASSAY_OK;
  });
}

const char* assay_report_last_error(const assay_report* report) {
  auto* r = checked<assay_report>(report);
  return r != nullptr ? r->last_error.c_str() : "invalid report handle";
}

int assay_render_options_new(assay_render_options** out) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  return guarded(nullptr, [&]() -> int {
    *out = assay::capi::make_handle<assay_render_options>();
    return ASSAY_OK;
  });
}

void assay_render_options_free(assay_render_options* options) {
  if (auto* o = checked<assay_render_options>(options)) assay::capi::free_handle(o);
}

int assay_render_options_set_text(assay_render_options* options, assay_render_option option, const char* value) {
  auto* o = checked<assay_render_options>(options);
  if (o == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (value == nullptr) return o->fail(ASSAY_E_INVALID_ARGUMENT, "value is NULL");
  return guarded(o, [&]() -> int {
    const std::string_view text(value);
    switch (option) {
      case ASSAY_RENDER_REPORT_TYPE:
        o->options.report_type = text;
        break;
      case ASSAY_RENDER_VIEW:
        if (!assay::parse_view(text, o->options.view)) {
          return o->fail(ASSAY_E_INVALID_ARGUMENT, "unknown view '" + std::string(text) + "'; known: nested, flat, extended");
        }
        break;
      case ASSAY_RENDER_INCLUDE_FIELDS:
      case ASSAY_RENDER_EXCLUDE_FIELDS: {
        const bool include = option == ASSAY_RENDER_INCLUDE_FIELDS;
        assay::PathSet paths;
        std::string error;
        if (!text.empty() && !assay::parse_field_list(text, paths, error)) {
          return o->fail(ASSAY_E_INVALID_ARGUMENT,
                         std::string(include ? "include_fields " : "exclude_fields ") + error);
        }
        if (include) {
          o->options.include_fields = text.empty() ? std::nullopt : std::optional(std::move(paths));
        } else {
          o->options.exclude_fields = std::move(paths);
        }
        break;
      }
      default:
        return o->fail(ASSAY_E_INVALID_ARGUMENT, "option " + std::to_string(static_cast<int>(option)) + " does not take text");
    }
    o->last_error.clear();
    return ASSAY_OK;
  });
}

int assay_render_options_set_bool(assay_render_options* options, assay_render_option option, int value) {
  auto* o = checked<assay_render_options>(options);
  if (o == nullptr) return ASSAY_E_INVALID_HANDLE;
  switch (option) {
    case ASSAY_RENDER_PRETTY: o->options.pretty = value != 0; break;
    case ASSAY_RENDER_FULL: o->options.full = value != 0; break;
    case ASSAY_RENDER_V13: o->options.v13 = value != 0; break;
    default:
      return o->fail(ASSAY_E_INVALID_ARGUMENT, "option " + std::to_string(static_cast<int>(option)) + " is not a boolean");
  }
  return ASSAY_OK;
}

const char* assay_render_options_last_error(const assay_render_options* options) {
  auto* o = checked<assay_render_options>(options);
  return o != nullptr ? o->last_error.c_str() : "invalid render options handle";
}

int assay_report_render(assay_report* report, const assay_render_options* options, const char** json,
                        size_t* length) {
  auto* r = checked<assay_report>(report);
  if (r == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (json == nullptr) return r->fail(ASSAY_E_INVALID_ARGUMENT, "json is NULL");
  *json = nullptr;
  if (length != nullptr) *length = 0;
  static const assay::RenderOptions kDefaults;
  const assay::RenderOptions* chosen = &kDefaults;
  if (options != nullptr) {
    auto* o = checked<assay_render_options>(options);
    if (o == nullptr) return r->fail(ASSAY_E_INVALID_HANDLE, "options is not a live render options handle");
    chosen = &o->options;
  }
  return guarded(r, [&]() -> int {
    r->rendered.clear();
    static const assay::ReportTypes kBuiltin;
    const assay::ReportTypes& types = r->report_types ? *r->report_types : kBuiltin;
    if (auto error = assay::render_tc_report(r->model, types, *chosen, r->rendered)) {
      return r->fail(ASSAY_E_UNSUPPORTED, error->message);
    }
    *json = r->rendered.c_str();
    if (length != nullptr) *length = r->rendered.size();
    return ASSAY_OK;
  });
}

}  // extern "C"
