// Threat names: Platform[-Subplatform].Type.Family, e.g. Win32.Trojan.Emotet, Script-JS.Downloader.Nemucod.
//
// Names come from rule authors, so they are checked before they reach a report: a known platform (a
// subplatform only where the naming rules allow one), a known type, and a specific family (never a
// placeholder such as "Generic"). A rule with a malformed name still classifies, without a name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace assay {

// Empty when `name` follows the rules; otherwise why it does not.
std::string threat_name_problem(std::string_view name);

inline bool is_valid_threat_name(std::string_view name) { return threat_name_problem(name).empty(); }

}  // namespace assay
