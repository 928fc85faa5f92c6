// Every indicator id and category Assay emits, in one list: clients key on these numbers, so they
// are stable once released. Ids are grouped by who raises them.
#pragma once

#include <cstdint>

namespace assay {

enum IndicatorId : uint32_t {
  // classify/heuristics.cpp and classify/verdict.cpp
  kIndicatorEicar = 1001,
  kIndicatorDecompressionBomb = 1002,
  kIndicatorEncrypted = 1003,
  kIndicatorDisguisedExecutable = 1004,
  kIndicatorDoubleExtension = 1005,
  kIndicatorYaraMatch = 1100,
  kIndicatorContainsThreat = 1200,
  // analyze/elf.cpp
  kIndicatorElfWritableExecutable = 1301,
  kIndicatorElfEntryOutsideCode = 1302,
  kIndicatorElfHighEntropySection = 1303,
  kIndicatorElfUpx = 1304,
  // analyze/macho.cpp, macho_signature.cpp
  kIndicatorMachOWritableExecutable = 1305,
  kIndicatorMachOHighEntropySection = 1306,
  kIndicatorMachOExecutableStack = 1307,
  kIndicatorMachOSignatureMismatch = 1308,
  // analyze/pe.cpp, pe_authenticode.cpp
  kIndicatorPeWritableExecutable = 1401,
  kIndicatorPeEntryOutsideCode = 1402,
  kIndicatorPeBadChecksum = 1403,
  kIndicatorPeFutureTimestamp = 1404,
  kIndicatorPeSignatureMismatch = 1405,
  // analyze/pe_capabilities.cpp: 1410..1417, one per capability
  kIndicatorPeCapabilityFirst = 1410,
};

enum IndicatorCategory : uint32_t {
  kCategoryDetection = 1,
  kCategoryEvasion = 2,
  kCategoryPacking = 3,
  kCategoryCapability = 4,
};

}  // namespace assay
