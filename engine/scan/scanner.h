// The per-thread driver of one scan: identify, hash and unpack every object, depth-first.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "classify/yara_matcher.h"
#include "hash/hasher.h"
#include "report/report_model.h"
#include "scan/engine.h"
#include "util/checked_reader.h"

namespace assay {

enum class ScanOutcome {
  Complete = 0,      // every object was identified, hashed and unpacked
  LimitReached = 1,  // a limit stopped some unpacking; the report says where and which
  Aborted = 2,       // the per-object callback asked to stop (values are stored in saved reports)
};

// Called once per object, right after it is identified and hashed; return false to abort the scan.
using ObjectCallback = std::function<bool(const ReportModel& model, size_t index)>;
// Told which ranges of the root the scan has finished reading (Source::release), so that a mapped
// file's pages can be given back while the scan goes on.
using ReleasePages = std::function<void(size_t offset, size_t length)>;

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}

  const Engine& engine() const { return *engine_; }
  // Later scans use `engine` (e.g. after a rules reload); a scan in flight is not affected.
  void set_engine(std::shared_ptr<const Engine> engine) { engine_ = std::move(engine); }

  // Scans `root` (borrowed for the duration of the call) into `model`, which must be empty.
  //
  // A root larger than max_object_bytes is hashed (in windows, each released after it is read) and
  // identified, but not analysed, YARA-scanned or unpacked: the limit is recorded on it as on any
  // other object, and memory stays bounded whatever the input's size.
  ScanOutcome scan(ByteSpan root, std::string_view name, ReportModel& model, const ObjectCallback& callback = {},
                   const ReleasePages& release = {});

 private:
  std::shared_ptr<const Engine> engine_;
  Hasher hasher_;
  YaraMatcher yara_;
};

}  // namespace assay
