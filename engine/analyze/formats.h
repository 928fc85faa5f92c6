// Internal to analyze/: the per-format analyzers that registry.cpp lists.
#pragma once

#include "analyze/analyzer.h"

namespace assay {

void analyze_pe(ByteSpan bytes, Entry& entry);

// X(file format, analyzer)
#define ASSAY_ANALYZERS(X) \
  X(PeExe, analyze_pe)     \
  X(PeDll, analyze_pe)     \
  X(PePlusExe, analyze_pe) \
  X(PePlusDll, analyze_pe)

}  // namespace assay
