// Macro indicators from VBA sources (see vba_indicators.h). The keyword lists follow what analysts
// and tools such as olevba look for; each hit names the module it was found in.
#include "analyze/vba_indicators.h"

#include <algorithm>
#include <cctype>

#include "report/indicator_ids.h"

namespace assay {
namespace {

struct Keyword {
  std::string_view word;    // lower case; matched as a whole identifier (dots allowed inside)
  std::string_view detail;  // why it matters
};

// Procedures Word, Excel and PowerPoint run without the user asking (document events and the
// legacy Auto* macros).
constexpr Keyword kAutoExec[] = {
    {"autoopen", "runs when the document is opened"},        {"autoexec", "runs when Word starts"},
    {"autoclose", "runs when the document is closed"},       {"autoexit", "runs when Word exits"},
    {"autonew", "runs when a document is created"},          {"auto_open", "runs when the workbook is opened"},
    {"auto_close", "runs when the workbook is closed"},      {"document_open", "runs when the document is opened"},
    {"document_close", "runs when the document is closed"},  {"document_new", "runs when a document is created"},
    {"documentopen", "runs when a document is opened"},      {"documentbeforeclose", "runs before a document closes"},
    {"document_beforeclose", "runs before the document closes"},
    {"workbook_open", "runs when the workbook is opened"},   {"workbook_activate", "runs when the workbook is activated"},
    {"workbook_close", "runs when the workbook is closed"},  {"workbook_beforeclose", "runs before the workbook closes"},
    {"document_contentcontrolonenter", "runs when a content control is entered"},
};

constexpr Keyword kSuspicious[] = {
    {"shell", "runs a program"},
    {"wscript.shell", "runs programs through Windows Script Host"},
    {"shell.application", "runs programs through the Windows shell"},
    {"shellexecute", "runs a program"},
    {"shellexecutea", "runs a program"},
    {"createobject", "creates a COM object"},
    {"getobject", "binds to a COM object"},
    {"urldownloadtofile", "downloads a file"},
    {"urldownloadtofilea", "downloads a file"},
    {"msxml2.xmlhttp", "makes web requests"},
    {"microsoft.xmlhttp", "makes web requests"},
    {"msxml2.serverxmlhttp", "makes web requests"},
    {"winhttp.winhttprequest", "makes web requests"},
    {"adodb.stream", "writes binary files"},
    {"savetofile", "writes a file"},
    {"callbyname", "calls a method chosen at run time"},
    {"environ", "reads environment variables"},
    {"powershell", "mentions PowerShell"},
    {"executeexcel4macro", "runs Excel 4 macro code"},
    {"macscript", "runs AppleScript"},
    {"virtualalloc", "allocates executable memory"},
    {"rtlmovememory", "copies raw memory"},
    {"createthread", "starts a native thread"},
    {"writeprocessmemory", "writes another process's memory"},
};

constexpr Keyword kObfuscation[] = {
    {"strreverse", "reverses strings"},
};

constexpr size_t kChrChainThreshold = 10;  // this many Chr() calls in one module build hidden strings
constexpr size_t kMaxReasons = 32;

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The source lower-cased with comments blanked, so keyword offsets still line up with lines.
std::string code_of(std::string_view source) {
  std::string code(source.size(), ' ');
  bool in_string = false, in_comment = false, line_start = true;
  for (size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\n' || c == '\r') {
      in_string = in_comment = false;
      line_start = true;
      code[i] = c;
      continue;
    }
    if (line_start && c != ' ' && c != '\t') {
      line_start = false;
      const std::string_view rest = source.substr(i, 4);
      if (rest.size() >= 3 && (rest[0] | 0x20) == 'r' && (rest[1] | 0x20) == 'e' && (rest[2] | 0x20) == 'm' &&
          (rest.size() == 3 || rest[3] == ' ' || rest[3] == '\t')) {
        in_comment = true;
      }
    }
    if (!in_string && c == '\'') in_comment = true;
    if (in_comment) continue;
    if (c == '"') in_string = !in_string;
    code[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return code;
}

// Offsets where `word` occurs as a whole identifier.
bool occurs(std::string_view code, std::string_view word, bool bare_call) {
  for (size_t at = code.find(word); at != std::string_view::npos; at = code.find(word, at + 1)) {
    const char before = at > 0 ? code[at - 1] : ' ';
    const char after = at + word.size() < code.size() ? code[at + word.size()] : ' ';
    if (identifier_char(before) || identifier_char(after)) continue;
    // "Shell" as a call, not as the tail of "WScript.Shell" or the head of "Shell.Application"
    // (those have entries of their own); "VBA.Shell" is still the call.
    if (bare_call && (after == '.' || (before == '.' && !(at >= 4 && code.substr(at - 4, 4) == "vba.")))) continue;
    return true;
  }
  return false;
}

size_t count_calls(std::string_view code, std::string_view name) {
  size_t count = 0;
  for (size_t at = code.find(name); at != std::string_view::npos; at = code.find(name, at + 1)) {
    if (at == 0 || !identifier_char(code[at - 1])) ++count;
  }
  return count;
}

// `Declare [PtrSafe] Function|Sub Name Lib "library"`: the libraries a module binds to natively.
std::vector<std::string> declared_libraries(std::string_view code) {
  std::vector<std::string> libraries;
  for (size_t at = code.find("declare"); at != std::string_view::npos; at = code.find("declare", at + 1)) {
    if (at > 0 && identifier_char(code[at - 1])) continue;
    const size_t line_end = std::min(code.find('\n', at), code.size());
    const std::string_view line = code.substr(at, line_end - at);
    const size_t lib = line.find(" lib \"");
    if (lib == std::string_view::npos) continue;
    const size_t name_start = lib + 6;
    const size_t name_end = line.find('"', name_start);
    if (name_end == std::string_view::npos) continue;
    std::string name(line.substr(name_start, std::min<size_t>(name_end - name_start, 64)));
    if (std::find(libraries.begin(), libraries.end(), name) == libraries.end()) libraries.push_back(std::move(name));
  }
  return libraries;
}

void add(std::vector<MacroFindings::Hit>& hits, std::string_view what, std::string_view detail, std::string_view module) {
  for (const auto& hit : hits) {
    if (hit.what == what && hit.module == module) return;
  }
  hits.push_back({std::string(what), std::string(detail), std::string(module)});
}

// The keyword as people write it: the list keeps lower case for matching.
std::string written(std::string_view word) {
  static constexpr std::string_view kForms[] = {
      "AutoOpen", "AutoExec", "AutoClose", "AutoExit", "AutoNew", "Auto_Open", "Auto_Close", "Document_Open",
      "Document_Close", "Document_New", "DocumentOpen", "DocumentBeforeClose", "Document_BeforeClose",
      "Workbook_Open", "Workbook_Activate", "Workbook_Close", "Workbook_BeforeClose",
      "Document_ContentControlOnEnter", "Shell", "WScript.Shell", "Shell.Application", "ShellExecute",
      "ShellExecuteA", "CreateObject", "GetObject", "URLDownloadToFile", "URLDownloadToFileA", "MSXML2.XMLHTTP",
      "Microsoft.XMLHTTP", "MSXML2.ServerXMLHTTP", "WinHttp.WinHttpRequest", "ADODB.Stream", "SaveToFile",
      "CallByName", "Environ", "PowerShell", "ExecuteExcel4Macro", "MacScript", "VirtualAlloc", "RtlMoveMemory",
      "CreateThread", "WriteProcessMemory", "StrReverse"};
  for (const std::string_view form : kForms) {
    if (form.size() == word.size() &&
        std::equal(form.begin(), form.end(), word.begin(), [](char a, char b) { return (a | 0x20) == (b | 0x20); })) {
      return std::string(form);
    }
  }
  return std::string(word);
}

Indicator make_indicator(uint32_t id, uint8_t priority, uint32_t category, std::string description,
                         const std::vector<MacroFindings::Hit>& hits) {
  Indicator indicator{id, priority, category, std::move(description), 5, {}};
  for (const auto& hit : hits) {
    if (indicator.reasons.size() == kMaxReasons) break;
    indicator.reasons.push_back({category, hit.what + " in " + hit.module + " (" + hit.detail + ")", false});
  }
  return indicator;
}

}  // namespace

void scan_macro_source(std::string_view module, std::string_view source, MacroFindings& findings) {
  findings.modules.emplace_back(module);
  const std::string code = code_of(source);
  for (const Keyword& keyword : kAutoExec) {
    if (occurs(code, keyword.word, false)) add(findings.auto_exec, written(keyword.word), keyword.detail, module);
  }
  for (const Keyword& keyword : kSuspicious) {
    if (occurs(code, keyword.word, keyword.word == "shell")) {
      add(findings.suspicious, written(keyword.word), keyword.detail, module);
    }
  }
  for (const Keyword& keyword : kObfuscation) {
    if (occurs(code, keyword.word, false)) add(findings.obfuscation, written(keyword.word), keyword.detail, module);
  }
  size_t chr_calls = 0;
  for (const std::string_view call : {"chr(", "chrw(", "chr$(", "chrw$(", "chrb(", "chrb$("}) {
    chr_calls += count_calls(code, call);
  }
  if (chr_calls >= kChrChainThreshold) {
    add(findings.obfuscation, "Chr", std::to_string(chr_calls) + " calls build strings from character codes", module);
  }
  for (const std::string& library : declared_libraries(code)) {
    add(findings.native, "Lib \"" + library + "\"", "declares native functions", module);
  }
}

void add_macro_indicators(Entry& entry, const MacroFindings& findings) {
  if (findings.modules.empty()) return;
  entry.add_tag("macros");
  std::string names;
  for (size_t i = 0; i < findings.modules.size() && i < kMaxReasons; ++i) {
    names += (i == 0 ? "" : ", ") + findings.modules[i];
  }
  entry.indicators.push_back(Indicator{kIndicatorVbaMacros, 3, kCategoryCapability, "Contains VBA macros", 5,
                                       {{kCategoryCapability,
                                         std::to_string(findings.modules.size()) + " VBA modules: " + names, false}}});
  if (!findings.auto_exec.empty()) {
    entry.indicators.push_back(make_indicator(kIndicatorVbaAutoExec, 5, kCategoryCapability,
                                              "A macro runs automatically when the document is opened or closed",
                                              findings.auto_exec));
  }
  if (!findings.suspicious.empty()) {
    entry.indicators.push_back(make_indicator(kIndicatorVbaSuspiciousCall, 6, kCategoryCapability,
                                              "Macros call functions that run programs, download or write files",
                                              findings.suspicious));
  }
  if (!findings.native.empty()) {
    entry.indicators.push_back(make_indicator(kIndicatorVbaNativeCall, 5, kCategoryCapability,
                                              "Macros declare native Windows API functions", findings.native));
  }
  if (!findings.obfuscation.empty()) {
    entry.indicators.push_back(make_indicator(kIndicatorVbaObfuscation, 5, kCategoryEvasion,
                                              "Macros hide strings (obfuscation)", findings.obfuscation));
  }
}

}  // namespace assay
