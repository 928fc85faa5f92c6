// Internal to capi/: the structs behind the public opaque handles.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "handle.h"
#include "report/json_render.h"
#include "report/model_codec.h"
#include "report/report_model.h"
#include "scan/engine.h"
#include "scan/scanner.h"

struct assay_config : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Config;
  assay_config() : Handle(kKind) {}
  assay::EngineConfig settings;
};

namespace assay::capi {

// The engine a handle stands for now. A reload swaps in a new Engine; whoever copied the old pointer
// (a scan in flight) keeps it alive until done.
class EngineSlot {
 public:
  explicit EngineSlot(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}
  std::shared_ptr<const Engine> current() const {
    std::lock_guard lock(mutex_);
    return engine_;
  }
  void replace(std::shared_ptr<const Engine> engine) {
    std::lock_guard lock(mutex_);
    engine_.swap(engine);
    // `engine` (the old one) is released outside the lock, when this function returns.
  }
  // Reloads are serialised so two of them cannot race to swap.
  std::mutex reload_mutex;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Engine> engine_;
};

}  // namespace assay::capi

struct assay_engine : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Engine;
  explicit assay_engine(std::shared_ptr<assay::capi::EngineSlot> s) : Handle(kKind), slot(std::move(s)) {}
  std::shared_ptr<assay::capi::EngineSlot> slot;
};

struct assay_scanner : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Scanner;
  explicit assay_scanner(std::shared_ptr<assay::capi::EngineSlot> s)
      : Handle(kKind), slot(std::move(s)), scanner(slot->current()) {}
  std::shared_ptr<assay::capi::EngineSlot> slot;  // keeps the engine alive after assay_engine_free
  assay::Scanner scanner;
  assay_object_callback callback = nullptr;
  void* callback_data = nullptr;
  // assay_scan_rules_fd's own YARA scanners (rules_scan.cpp), kept between its scans like the
  // Scanner's: rebuilt only when the rules change.
  assay::YaraMatcher rules_matcher;
};

struct assay_report : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Report;
  assay_report() : Handle(kKind) {}
  assay::ReportModel model;
  std::shared_ptr<const assay::ReportTypes> report_types;  // the scanning engine's
  int status = ASSAY_OK;
  std::vector<std::string> sha256_hex;  // filled lazily by assay_report_object_info
  std::string rendered;
  std::string saved;
};

struct assay_rules : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::Rules;
  explicit assay_rules(std::shared_ptr<const assay::RuleSet> r);
  std::shared_ptr<const assay::RuleSet> rules;  // nullptr: the engine has no rules configured
  std::vector<std::string> errors;              // per ruleset, joined, so info() can hand out pointers
  std::vector<std::string> warnings;
};

struct assay_render_options : assay::capi::Handle {
  static constexpr assay::capi::Kind kKind = assay::capi::Kind::RenderOptions;
  assay_render_options() : Handle(kKind) {}
  assay::RenderOptions options;
};
