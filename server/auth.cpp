// auth.cpp: see auth.h.
#include "auth.h"

#include <openssl/crypto.h>

#include <array>
#include <cstring>

namespace worker {
namespace {

// Longest token the configuration accepts; candidates are compared in buffers of this size so the
// time taken does not depend on how long the candidate or the token is.
constexpr size_t kMaxToken = 60;

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

}  // namespace

Auth::Auth(std::map<std::string, std::vector<std::string>> tokens) {
  for (auto& [family, list] : tokens) tokens_.emplace(family, std::move(list));
}

std::string_view Auth::family_of(std::string_view path) {
  if (path.rfind("/api/tiscale/", 0) == 0) return "usage";
  if (path.rfind("/srv/tiscale/", 0) == 0) return "service";
  if (path.rfind("/api/license/", 0) == 0) return "license";
  if (path.rfind("/api/uploads/", 0) == 0 || path.rfind("/api/yara/", 0) == 0) return "retro";
  return "";
}

bool Auth::family_open(std::string_view family) const {
  const auto it = tokens_.find(family);
  return it == tokens_.end() || it->second.empty();
}

AuthResult Auth::check(std::string_view family, bool present, std::string_view header) const {
  const auto it = tokens_.find(family);
  if (family.empty() || it == tokens_.end() || it->second.empty()) return AuthResult::Open;
  if (!present) return AuthResult::Missing;
  // "Token <t>": the scheme is matched without regard to case (as HTTP schemes are), then one or
  // more spaces, then the token with no further spaces.
  if (!starts_with_icase(header, "token ")) return AuthResult::Missing;
  std::string_view candidate = header.substr(6);
  while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
  while (!candidate.empty() && (candidate.back() == ' ' || candidate.back() == '\t')) candidate.remove_suffix(1);
  if (candidate.empty() || candidate.find_first_of(" \t") != std::string_view::npos) return AuthResult::Missing;

  std::array<unsigned char, kMaxToken> given{};
  std::memcpy(given.data(), candidate.data(), candidate.size() < kMaxToken ? candidate.size() : kMaxToken);
  const bool too_long = candidate.size() > kMaxToken;
  int matched = 0;
  for (const std::string& token : it->second) {
    std::array<unsigned char, kMaxToken> expected{};
    std::memcpy(expected.data(), token.data(), token.size());
    const int same_bytes = CRYPTO_memcmp(given.data(), expected.data(), kMaxToken) == 0;
    const int same_length = candidate.size() == token.size();
    matched |= same_bytes & same_length;
  }
  return (matched != 0 && !too_long) ? AuthResult::Granted : AuthResult::Denied;
}

}  // namespace worker
