// scan/: the Engine (immutable, shared) and the Scanner (one per thread) that drive a scan.
//
// An Engine holds everything a scan only reads: limits, the password list, the identifier and its
// libmagic pool. It is built once and shared by any number of threads. A Scanner owns per-thread
// state (hash contexts) and runs one scan at a time over an explicit work stack, depth-first, never
// recursing on the C stack however deep the input nests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "identify/identify.h"
#include "limits/limits.h"

namespace assay {

struct EngineConfig {
  Limits limits;
  std::vector<std::string> passwords{"infected"};
  size_t magic_prefix_bytes = 64 * 1024;
};

class Engine {
 public:
  explicit Engine(EngineConfig config) : config_(std::move(config)), identifier_(config_.magic_prefix_bytes) {}

  const EngineConfig& config() const { return config_; }
  const Identifier& identifier() const { return identifier_; }

 private:
  EngineConfig config_;
  Identifier identifier_;
};

}  // namespace assay
