// What a VBA module's source says about intent: macros that run by themselves (AutoOpen,
// Document_Open, Workbook_Open...), calls that start programs, fetch or write files, or reach native
// code (Shell, CreateObject("WScript.Shell"), URLDownloadToFile, Declare ... Lib "kernel32"), and
// string obfuscation (long Chr() chains, StrReverse). Keywords are matched as whole identifiers,
// case-insensitively, outside comments. The findings become indicators on the document's entry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/report_model.h"

namespace assay {

struct MacroFindings {
  struct Hit {
    std::string what;    // the keyword as written in the list, e.g. "AutoOpen"
    std::string detail;  // why it matters, e.g. "runs a program"
    std::string module;
  };
  std::vector<std::string> modules;
  std::vector<Hit> auto_exec, suspicious, obfuscation, native;
};

// Scans one module's source (bytes in the project's code page; only ASCII keywords are looked for).
void scan_macro_source(std::string_view module, std::string_view source, MacroFindings& findings);

// Adds the indicators (and the "macros" tag) for everything found; nothing when no module was seen.
void add_macro_indicators(Entry& entry, const MacroFindings& findings);

}  // namespace assay
