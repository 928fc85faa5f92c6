// C ABI: engines, scanners and the three ways to scan.
#include <string>

#include "input/source.h"
#include "objects.h"

using assay::capi::checked;
using assay::capi::guarded;

namespace {

int status_of(const assay::Error& error) {
  switch (error.code) {
    case assay::ErrorCode::InvalidArgument: return ASSAY_E_INVALID_ARGUMENT;
    case assay::ErrorCode::Io: return ASSAY_E_IO;
    case assay::ErrorCode::TooLarge: return ASSAY_E_TOO_LARGE;
    case assay::ErrorCode::Unsupported: return ASSAY_E_UNSUPPORTED;
    case assay::ErrorCode::NoMemory: return ASSAY_E_NO_MEMORY;
    case assay::ErrorCode::Internal: return ASSAY_E_INTERNAL;
  }
  return ASSAY_E_INTERNAL;
}

int scan_source(assay_scanner* s, const assay::Source& source, const std::string& name, assay_report** out) {
  s->scanner.set_engine(s->slot->current());  // picks up a reload between scans
  auto* report = new assay_report();
  report->report_types = s->scanner.engine().report_types();
  std::unique_ptr<assay_report> owned(report);
  assay::ObjectCallback callback;
  if (s->callback != nullptr) {
    callback = [s, report](const assay::ReportModel&, size_t index) {
      return s->callback(report, index, s->callback_data) == ASSAY_CALLBACK_CONTINUE;
    };
    // The callback may read the report through the accessors, so it must be live while scanning.
    assay::capi::register_handle(report);
  }
  assay::ScanOutcome outcome;
  try {
    outcome = s->scanner.scan(source.bytes(), name, report->model, callback,
                              [&source](size_t offset, size_t length) { source.release(offset, length); });
  } catch (...) {
    if (s->callback != nullptr) assay::capi::unregister_handle(report);
    throw;
  }
  switch (outcome) {
    case assay::ScanOutcome::Complete: report->status = ASSAY_OK; break;
    case assay::ScanOutcome::LimitReached: report->status = ASSAY_LIMIT_REACHED; break;
    case assay::ScanOutcome::Aborted: report->status = ASSAY_ABORTED; break;
  }
  if (s->callback == nullptr) assay::capi::register_handle(report);
  *out = owned.release();
  s->last_error.clear();
  return report->status;
}

std::string last_component(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

extern "C" {

int assay_engine_new(assay_engine** out, const assay_config* config) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  assay_config* c = nullptr;
  if (config != nullptr) {
    c = checked<assay_config>(config);
    if (c == nullptr) return ASSAY_E_INVALID_HANDLE;
  }
  return guarded(c, [&]() -> int {
    assay::EngineConfig settings = c != nullptr ? c->settings : assay::EngineConfig{};
    auto engine = assay::Engine::create(std::move(settings));
    if (!engine.ok()) {
      return c != nullptr ? c->fail(status_of(engine.error()), engine.error().message) : status_of(engine.error());
    }
    *out = assay::capi::make_handle<assay_engine>(std::make_shared<assay::capi::EngineSlot>(std::move(engine.value())));
    return ASSAY_OK;
  });
}

void assay_engine_free(assay_engine* engine) {
  if (auto* e = checked<assay_engine>(engine)) assay::capi::free_handle(e);
}

int assay_scanner_new(assay_scanner** out, const assay_engine* engine) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  auto* e = checked<assay_engine>(engine);
  if (e == nullptr) return ASSAY_E_INVALID_HANDLE;
  return guarded(nullptr, [&]() -> int {
    *out = assay::capi::make_handle<assay_scanner>(e->slot);
    return ASSAY_OK;
  });
}

void assay_scanner_free(assay_scanner* scanner) {
  if (auto* s = checked<assay_scanner>(scanner)) assay::capi::free_handle(s);
}

const char* assay_scanner_last_error(const assay_scanner* scanner) {
  auto* s = checked<assay_scanner>(scanner);
  return s != nullptr ? s->last_error.c_str() : "invalid scanner handle";
}

int assay_scanner_set_callback(assay_scanner* scanner, assay_object_callback callback, void* user_data) {
  auto* s = checked<assay_scanner>(scanner);
  if (s == nullptr) return ASSAY_E_INVALID_HANDLE;
  s->callback = callback;
  s->callback_data = callback != nullptr ? user_data : nullptr;
  return ASSAY_OK;
}

int assay_scan_buffer(assay_scanner* scanner, const void* data, size_t size, const char* name, assay_report** out) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  auto* s = checked<assay_scanner>(scanner);
  if (s == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (data == nullptr && size != 0) return s->fail(ASSAY_E_INVALID_ARGUMENT, "data is NULL but size is not 0");
  return guarded(s, [&]() -> int {
    const assay::Source source = assay::Source::borrow(data, size);
    return scan_source(s, source, name != nullptr ? name : "", out);
  });
}

int assay_scan_fd(assay_scanner* scanner, int fd, const char* name, assay_report** out) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  auto* s = checked<assay_scanner>(scanner);
  if (s == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (fd < 0) return s->fail(ASSAY_E_INVALID_ARGUMENT, "fd is negative");
  return guarded(s, [&]() -> int {
    auto source = assay::Source::from_fd(fd, s->slot->current()->config().limits.max_object_bytes);
    if (!source.ok()) return s->fail(status_of(source.error()), source.error().message);
    return scan_source(s, source.value(), name != nullptr ? name : "", out);
  });
}

int assay_scan_path(assay_scanner* scanner, const char* path, assay_report** out) {
  if (out == nullptr) return ASSAY_E_INVALID_ARGUMENT;
  *out = nullptr;
  auto* s = checked<assay_scanner>(scanner);
  if (s == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (path == nullptr) return s->fail(ASSAY_E_INVALID_ARGUMENT, "path is NULL");
  return guarded(s, [&]() -> int {
    const std::string text(path);
    auto source = assay::Source::from_path(text, s->slot->current()->config().limits.max_object_bytes);
    if (!source.ok()) return s->fail(status_of(source.error()), source.error().message);
    return scan_source(s, source.value(), last_component(text), out);
  });
}

}  // extern "C"
