// engine_host.h: the one Assay engine of the process, and rendering stored reports.
//
// Only the C ABI (assay.h) is used. The engine is immutable and shared by every thread; each
// analysis thread makes its own scanner. Reports are stored as assay_report_save bytes and turned
// back into JSON per request (assay_report_load + assay_report_render), so one stored report serves
// every report type, view and field filter a client asks for.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assay.h"
#include "config.h"

namespace worker {

// What a GET asks of the tc_report (query parameters, as given).
struct RenderRequest {
  std::optional<std::string> report_type, view, include_fields, exclude_fields;
  std::optional<bool> full, v13;
};

struct RenderResult {
  int http_status = 200;  // 200, or 400 (bad request: message in `error`), or 500
  std::string json;       // the tc_report array
  std::string error;
};

class EngineHost {
 public:
  static std::unique_ptr<EngineHost> create(const Config& config, std::string& error);
  ~EngineHost();
  EngineHost(const EngineHost&) = delete;
  EngineHost& operator=(const EngineHost&) = delete;

  const assay_engine* engine() const { return engine_; }
  // The identifier of the active rules (SHA-1 hex; "" with no rules).
  std::string rules_id() const;
  // One line per rule file that failed to compile or warned, for the start-up log.
  std::vector<std::string> rule_problems() const;
  const std::vector<std::string>& rule_paths() const { return rule_paths_; }

  // One rule file's state for sync-status: its ruleset name, path, whether it is in use, and its
  // compile errors (one message per line).
  struct Ruleset {
    std::string name, path, errors;
    bool active = false;
  };
  std::vector<Ruleset> rulesets() const;
  // Recompiles every rule path and swaps the new set in (scans in flight keep the old one). Refused,
  // with the old set kept, when any file fails: `failures` then lists them.
  bool reload(std::vector<Ruleset>& failures) const;  // the engine handle is shared and reload-safe

  // Renders saved report bytes as the request asks.
  RenderResult render(const std::vector<uint8_t>& saved, const RenderRequest& request) const;
  // Checks a request's options without a report (an unprocessed task must answer the same 400 a
  // processed one would): renders the report of an empty file.
  RenderResult validate(const RenderRequest& request) const;

 private:
  EngineHost() = default;
  assay_engine* engine_ = nullptr;
  std::vector<uint8_t> empty_report_;
  std::vector<std::string> rule_paths_;
};

}  // namespace worker
