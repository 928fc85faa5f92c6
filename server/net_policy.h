// net_policy.h: which addresses submit-url may connect to.
//
// A URL given by a client must not turn the Worker into a proxy into its own network (SSRF). Every
// address a download would connect to is classified here, before the connection is made: loopback,
// private (RFC 1918), shared (CGNAT), link-local (cloud metadata lives at 169.254.169.254),
// multicast, unspecified, reserved and documentation ranges, and their IPv6 counterparts (ULA,
// link-local, site-local, multicast, loopback), including IPv4 addresses wrapped in IPv6
// (v4-mapped, NAT64, 6to4), are refused unless the configuration allows that network explicitly.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace worker {

class AddressPolicy {
 public:
  // `allow`: CIDRs ("127.0.0.0/8", "fd00::/8") or single addresses that are allowed even though
  // they fall in a refused range. False with `error` on a malformed entry.
  bool init(const std::vector<std::string>& allow, std::string& error);

  // "" when connecting to `address` is allowed; otherwise why not ("loopback address 127.0.0.1").
  std::string refusal(const sockaddr* address) const;

 private:
  struct Network {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
  };
  bool allowed(bool v6, const uint8_t* bytes) const;
  std::vector<Network> allow_;
};

// A host resolved for a connection the policy governs (submit-url downloads, callbacks).
struct CheckedResolution {
  std::string refusal;         // "" when every address is allowed; otherwise why not
  bool lookup_failed = false;  // the refusal is a failed lookup (worth retrying), not the policy
  std::string pin;             // "host:port:a1,a2": CURLOPT_RESOLVE, so libcurl cannot look it up again
};

// Resolves `host` and checks every address it has: all must pass, since which one a connection
// would pick is not ours to trust, and a later lookup (DNS rebinding) is kept out by the pin.
// `purpose` completes the refusal: "refusing to <purpose> <host>: ...".
CheckedResolution resolve_checked(const AddressPolicy& policy, const std::string& host, const std::string& port,
                                  const std::string& purpose);

// The numeric text of an address ("10.0.0.1", "::1"); "" for another family.
std::string address_text(const sockaddr* address);

// Parses a numeric IPv4 or IPv6 address (no brackets, no port).
bool parse_ip(const std::string& text, bool& v6, std::array<uint8_t, 16>& bytes);

}  // namespace worker
