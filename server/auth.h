// auth.h: token families and the Authorization check.
//
// Each URL family has its own token list (worker-api.md): usage (/api/tiscale/), service
// (/srv/tiscale/), license (/api/license/), retro (/api/uploads/, /api/yara/). A family with no tokens
// is open and ignores the Authorization header. Otherwise the header must read "Token <t>": missing
// or of another form is 401, a token that matches none is 403. Tokens are compared in constant time:
// every configured token of the family is compared in full, whatever the candidate's length.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace worker {

enum class AuthResult { Open, Granted, Missing /* 401 */, Denied /* 403 */ };

class Auth {
 public:
  // `tokens`: family name -> tokens (already validated by the configuration).
  explicit Auth(std::map<std::string, std::vector<std::string>> tokens);

  // The family a request path belongs to, or "" when the path is in none (no auth applies).
  static std::string_view family_of(std::string_view path);

  // Checks the Authorization header value (`present` false when the header is absent).
  AuthResult check(std::string_view family, bool present, std::string_view header) const;

  bool family_open(std::string_view family) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> tokens_;
};

}  // namespace worker
