// Internal to capi/: the structs behind the public opaque handles.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "handle.h"
#include "report/json_render.h"
#include "report/report_model.h"
#include "scan/engine.h"
#include "scan/scanner.h"

struct assay_config : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Config;
  assay_config() : Handle(kKind) {}
  assay::EngineConfig settings;
};

struct assay_engine : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Engine;
  explicit assay_engine(std::shared_ptr<const assay::Engine> e) : Handle(kKind), engine(std::move(e)) {}
  std::shared_ptr<const assay::Engine> engine;
};

struct assay_scanner : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Scanner;
  explicit assay_scanner(std::shared_ptr<const assay::Engine> e) : Handle(kKind), scanner(std::move(e)) {}
  assay::Scanner scanner;
  assay_object_callback callback = nullptr;
  void* callback_data = nullptr;
};

struct assay_report : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Report;
  assay_report() : Handle(kKind) {}
  assay::ReportModel model;
  int status = ASSAY_OK;
  std::vector<std::string> sha256_hex;  // filled lazily by assay_report_object_info
  std::string rendered;
};

struct assay_render_options : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::RenderOptions;
  assay_render_options() : Handle(kKind) {}
  assay::RenderOptions options;
};
