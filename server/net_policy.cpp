// net_policy.cpp: see net_policy.h.
#include "net_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

namespace worker {
namespace {

struct Range4 {
  uint32_t base;
  int prefix;
  const char* what;
};

// IPv4 ranges no download may reach (IANA special-purpose registry, minus the global ones).
constexpr Range4 kRefused4[] = {
    {0x00000000, 8, "unspecified"},          {0x0a000000, 8, "private"},
    {0x64400000, 10, "shared (CGNAT)"},      {0x7f000000, 8, "loopback"},
    {0xa9fe0000, 16, "link-local"},          {0xac100000, 12, "private"},
    {0xc0000000, 24, "reserved"},            {0xc0000200, 24, "documentation"},
    {0xc0586300, 24, "reserved (6to4 relay)"}, {0xc0a80000, 16, "private"},
    {0xc6120000, 15, "benchmarking"},        {0xc6336400, 24, "documentation"},
    {0xcb007100, 24, "documentation"},       {0xe0000000, 4, "multicast"},
    {0xf0000000, 4, "reserved"},
};

bool in_prefix(const uint8_t* a, const uint8_t* b, int prefix) {
  const int whole = prefix / 8;
  if (std::memcmp(a, b, static_cast<size_t>(whole)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

const char* classify4(const uint8_t* b) {
  const uint32_t v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  for (const Range4& r : kRefused4) {
    const uint32_t mask = r.prefix == 0 ? 0 : ~uint32_t{0} << (32 - r.prefix);
    if ((v & mask) == r.base) return r.what;
  }
  return nullptr;
}

// For IPv6: the refused range's name, or nullptr. `embedded` receives the IPv4 address carried
// inside (v4-mapped, NAT64, 6to4), which must then pass the IPv4 rules too.
const char* classify6(const uint8_t* b, const uint8_t*& embedded) {
  static const uint8_t zero[16] = {};
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  embedded = nullptr;
  if (std::memcmp(b, zero, 15) == 0 && b[15] == 0) return "unspecified";
  if (std::memcmp(b, zero, 15) == 0 && b[15] == 1) return "loopback";
  if (std::memcmp(b, mapped, 12) == 0 || std::memcmp(b, nat64, 12) == 0) {
    embedded = b + 12;
    return nullptr;
  }
  if (std::memcmp(b, zero, 12) == 0) return "reserved (IPv4-compatible)";
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1) return "local-use NAT64";
  if (b[0] == 0x01 && b[1] == 0x00 && std::memcmp(b + 2, zero, 6) == 0) return "discard-only";
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return "documentation";
  if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xfe) == 0x00) return "reserved (IETF protocol assignments, Teredo)";
  if (b[0] == 0x20 && b[1] == 0x02) {
    embedded = b + 2;  // 6to4: 2002:AABB:CCDD::/48 carries A.B.C.D
    return nullptr;
  }
  if ((b[0] & 0xfe) == 0xfc) return "unique local (ULA)";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site-local";
  if (b[0] == 0xff) return "multicast";
  return nullptr;
}

}  // namespace

bool parse_ip(const std::string& text, bool& v6, std::array<uint8_t, 16>& bytes) {
  bytes.fill(0);
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  }
  return text;
}

bool AddressPolicy::init(const std::vector<std::string>& allow, std::string& error) {
  allow_.clear();
  for (const std::string& entry : allow) {
    Network n;
    const size_t slash = entry.find('/');
    const std::string ip = entry.substr(0, slash);
    if (!parse_ip(ip, n.v6, n.bytes)) {
      error = "fetch.allow_networks: not an address: " + entry;
      return false;
    }
    const int max = n.v6 ? 128 : 32;
    n.prefix = max;
    if (slash != std::string::npos) {
      const std::string p = entry.substr(slash + 1);
      if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) > max) {
        error = "fetch.allow_networks: bad prefix length: " + entry;
        return false;
      }
      n.prefix = std::stoi(p);
    }
    allow_.push_back(n);
  }
  return true;
}

bool AddressPolicy::allowed(bool v6, const uint8_t* bytes) const {
  for (const Network& n : allow_) {
    if (n.v6 == v6 && in_prefix(bytes, n.bytes.data(), n.prefix)) return true;
  }
  return false;
}

std::string AddressPolicy::refusal(const sockaddr* address) const {
  const std::string text = address_text(address);
  if (address->sa_family == AF_INET) {
    const auto* b = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
    const char* what = classify4(b);
    if (what == nullptr || allowed(false, b)) return "";
    return std::string(what) + " address " + text;
  }
  if (address->sa_family == AF_INET6) {
    const auto* b = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
    if (allowed(true, b)) return "";
    const uint8_t* embedded = nullptr;
    const char* what = classify6(b, embedded);
    if (what != nullptr) return std::string(what) + " address " + text;
    if (embedded != nullptr) {
      const char* inner = classify4(embedded);
      if (inner != nullptr && !allowed(false, embedded)) return std::string(inner) + " address " + text + " (IPv4 inside IPv6)";
    }
    return "";
  }
  return "address family " + std::to_string(address->sa_family) + " is not allowed";
}

CheckedResolution resolve_checked(const AddressPolicy& policy, const std::string& host, const std::string& port,
                                  const std::string& purpose) {
  CheckedResolution out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    out.lookup_failed = true;
    out.refusal = "cannot resolve " + host + ": " + (rc != 0 ? gai_strerror(rc) : "no address");
    return out;
  }
  std::string addresses;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const std::string why = policy.refusal(a->ai_addr);
    if (!why.empty()) {
      out.refusal = "refusing to " + purpose + " " + host + ": " + why + " is not allowed";
      break;
    }
    const std::string text = address_text(a->ai_addr);
    const std::string entry = a->ai_family == AF_INET6 ? "[" + text + "]" : text;
    if (("," + addresses + ",").find("," + entry + ",") != std::string::npos) continue;  // whole entries only
    if (!addresses.empty()) addresses += ",";
    addresses += entry;
  }
  freeaddrinfo(found);
  if (out.refusal.empty()) {
    const bool v6_host = host.find(':') != std::string::npos;
    out.pin = (v6_host ? "[" + host + "]" : host) + ":" + port + ":" + addresses;
  }
  return out;
}

}  // namespace worker
