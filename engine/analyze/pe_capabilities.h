// What a PE's imports say it can do: a capability bitmask for metadata.application.capabilities and
// an indicator per capability that matters to a defender.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/report_model.h"

namespace assay {

// Capability bits (ours; stable).
enum PeCapability : uint64_t {
  kCapNetwork = 1u << 0,
  kCapProcessInjection = 1u << 1,
  kCapRegistry = 1u << 2,
  kCapCrypto = 1u << 3,
  kCapAntiDebug = 1u << 4,
  kCapKeylogging = 1u << 5,
  kCapProcessCreation = 1u << 6,
  kCapServices = 1u << 7,
};

// Returns the capability mask of `apis` and adds an indicator to `entry` for each capability found.
uint64_t apply_pe_capabilities(const std::vector<std::string>& apis, Entry& entry);

}  // namespace assay
