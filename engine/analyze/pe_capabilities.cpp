#include "analyze/pe_capabilities.h"
#include "report/indicator_ids.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace assay {
namespace {

struct CapabilityRule {
  PeCapability bit;
  uint32_t indicator_id;
  uint8_t priority;
  const char* description;
  // Any of `any` imported (names without the A/W suffix), or all of `all`.
  std::vector<std::string_view> any;
  std::vector<std::string_view> all;
};

const std::array<CapabilityRule, 8>& rules() {
  static const std::array<CapabilityRule, 8> kRules = {{
      {kCapNetwork, 1410, 3, "Can communicate over the network",
       {"InternetOpen", "InternetConnect", "HttpSendRequest", "URLDownloadToFile", "WSAStartup", "connect",
        "WinHttpOpen", "send", "recv"}, {}},
      {kCapProcessInjection, 1411, 6, "Can write to and start code in another process",
       {}, {"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread"}},
      {kCapRegistry, 1412, 2, "Can change the registry", {"RegSetValueEx", "RegCreateKeyEx", "RegDeleteKey"}, {}},
      {kCapCrypto, 1413, 2, "Uses cryptography", {"CryptEncrypt", "CryptDecrypt", "BCryptEncrypt", "BCryptDecrypt", "CryptGenKey"}, {}},
      {kCapAntiDebug, 1414, 4, "Checks for a debugger", {"IsDebuggerPresent", "CheckRemoteDebuggerPresent", "NtQueryInformationProcess"}, {}},
      {kCapKeylogging, 1415, 6, "Can watch the keyboard", {"SetWindowsHookEx", "GetAsyncKeyState", "GetKeyboardState"}, {}},
      {kCapProcessCreation, 1416, 2, "Can start programs", {"CreateProcess", "ShellExecute", "WinExec"}, {}},
      {kCapServices, 1417, 3, "Can install or control services", {"CreateService", "StartService", "OpenSCManager"}, {}},
  }};
  return kRules;
}

// "CreateProcessW" -> "CreateProcess": the A/W variants are the same capability.
std::string_view base_name(std::string_view api) {
  if (api.size() > 1 && (api.back() == 'A' || api.back() == 'W') && std::islower(static_cast<unsigned char>(api[api.size() - 2]))) {
    api.remove_suffix(1);
  }
  return api;
}

}  // namespace

uint64_t apply_pe_capabilities(const std::vector<std::string>& apis, Entry& entry) {
  std::vector<std::string_view> names;
  names.reserve(apis.size());
  for (const std::string& api : apis) names.push_back(base_name(api));
  const auto imported = [&](std::string_view name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  uint64_t mask = 0;
  for (const CapabilityRule& rule : rules()) {
    std::vector<std::string_view> seen;
    for (std::string_view api : rule.any) {
      if (imported(api)) seen.push_back(api);
    }
    const bool all = !rule.all.empty() && std::all_of(rule.all.begin(), rule.all.end(), imported);
    if (seen.empty() && !all) continue;
    mask |= rule.bit;
    std::string reason = "imports ";
    const auto& listed = all ? rule.all : seen;
    for (size_t i = 0; i < listed.size() && i < 4; ++i) reason += (i ? ", " : "") + std::string(listed[i]);
    entry.indicators.push_back(
        Indicator{rule.indicator_id, rule.priority, kCategoryCapability, rule.description, 5, {{kCategoryCapability, reason, false}}});
  }
  return mask;
}

}  // namespace assay
