#include "classify/threat_name.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace assay {
namespace {

constexpr std::array<std::string_view, 36> kPlatforms = {
    "Android", "AOL",     "Archive", "Audio",   "BeOS",    "Binary",     "Blackberry", "Boot",    "ByteCode",
    "Document", "DOS",    "Email",   "EPOC",    "Firmware", "FreeBSD",   "Image",      "iOS",     "Java",
    "Linux",   "MacOS",   "Menuet",  "Multi",   "Novell",  "OS2",        "Package",    "Palm",    "Script",
    "Shortcut", "Solaris", "SunOS",  "Symbian", "Text",    "Unix",       "Video",      "WebAssembly", "Win32",
};
constexpr std::array<std::string_view, 2> kMorePlatforms = {"Win64", "WinCE"};

// Only these platforms take a subplatform (Document-PDF, Script-JS, ...).
constexpr std::array<std::string_view, 6> kPlatformsWithSub = {"Archive", "Audio", "ByteCode", "Document", "Image", "Script"};

constexpr std::array<std::string_view, 29> kTypes = {
    "Adware",   "Backdoor", "Browser",   "Certificate", "Coinminer", "Dialer",     "Downloader", "Dropper",
    "Exploit",  "Format",   "Hacktool",  "Infostealer", "Keylogger", "Malware",    "Network",    "Packed",
    "Phishing", "PUA",      "Ransomware", "Rogue",      "Rootkit",   "Spam",       "Spyware",    "Test",
    "Trojan",   "Virus",    "Worm",      "Stealer",     "Miner",
};

// Placeholders that say nothing about the family; rejected case-insensitively.
constexpr std::array<std::string_view, 10> kGenericFamilies = {
    "generic", "gen", "agent", "heur", "heuristic", "malware", "unknown", "suspicious", "variant", "malicious",
};

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

bool is_identifier(std::string_view word, bool allow_dash) {
  if (word.empty() || word.size() > 64 || !std::isalnum(static_cast<unsigned char>(word.front()))) return false;
  return std::all_of(word.begin(), word.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (allow_dash && c == '-');
  });
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string threat_name_problem(std::string_view name) {
  const size_t first = name.find('.');
  const size_t second = first == std::string_view::npos ? first : name.find('.', first + 1);
  if (second == std::string_view::npos || name.find('.', second + 1) != std::string_view::npos) {
    return "must have three dot-separated parts, Platform.Type.Family";
  }
  const std::string_view platform_part = name.substr(0, first);
  const std::string_view type = name.substr(first + 1, second - first - 1);
  const std::string_view family = name.substr(second + 1);

  const size_t dash = platform_part.find('-');
  const std::string_view platform = platform_part.substr(0, dash);
  if (!contains(kPlatforms, platform) && !contains(kMorePlatforms, platform)) {
    return "unknown platform '" + std::string(platform) + "'";
  }
  if (dash != std::string_view::npos) {
    if (!contains(kPlatformsWithSub, platform)) return "platform '" + std::string(platform) + "' takes no subplatform";
    if (!is_identifier(platform_part.substr(dash + 1), false)) return "malformed subplatform";
  }
  if (!contains(kTypes, type)) return "unknown type '" + std::string(type) + "'";
  if (!is_identifier(family, true)) return "malformed family '" + std::string(family) + "'";
  for (std::string_view generic : kGenericFamilies) {
    if (equals_ignoring_case(family, generic)) return "generic family '" + std::string(family) + "'";
  }
  return {};
}

}  // namespace assay
