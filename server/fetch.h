// fetch.h: downloads for submit-url, with libcurl.
//
// Only http and https; bounded size, total time and redirects. Redirects are followed here, not by
// libcurl, so that each hop's URL is checked like the first: its host is resolved by us, every
// address is checked against the AddressPolicy, and libcurl is pinned to exactly those addresses
// (CURLOPT_RESOLVE). As a second line, CURLOPT_OPENSOCKETFUNCTION checks the address of every socket
// libcurl opens, so nothing reaches a refused address even if resolution changed in between.
// Proxies from the environment are ignored, and the custom authorization header is sent to the
// original origin only, never to another host a redirect points at.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config.h"
#include "net_policy.h"

namespace worker {

struct FetchRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // sent to the original origin only
  std::string expected_hash;  // hex; its length picks MD5, SHA-1, SHA-256 or SHA-512; "" for none
};

struct FetchResult {
  bool ok = false;
  std::string error;      // why not, for the task's "error" field
  uint64_t size = 0;
  std::string file_name;  // the last path segment of the final URL, for the report's root name
};

class Fetcher {
 public:
  Fetcher(const FetchConfig& config, const AddressPolicy& policy) : config_(config), policy_(policy) {}

  // Checks a URL at submission: scheme, host, and every address the host resolves to. "" when it
  // may be fetched; otherwise the reason (the caller answers 400). Connects to nothing.
  std::string check_url(const std::string& url) const;

  // Downloads into `fd` (an empty file, open for writing).
  FetchResult download(const FetchRequest& request, int fd) const;

 private:
  const FetchConfig& config_;
  const AddressPolicy& policy_;
};

// The digest name for a hex hash of this length ("md5", "sha1", "sha256", "sha512"), or nullptr.
const char* hash_name_for_length(size_t hex_length);

}  // namespace worker
