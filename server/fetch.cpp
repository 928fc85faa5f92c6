// fetch.cpp: see fetch.h.
#include "fetch.h"

#include <curl/curl.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "spool.h"

namespace worker {
namespace {

struct UrlParts {
  std::string scheme, host, port, path;
};

// Parses and normalises a URL with libcurl's own parser, so what we check is what libcurl uses.
bool parse_url(const std::string& url, UrlParts& out, std::string& error) {
  CURLU* u = curl_url();
  if (u == nullptr) {
    error = "out of memory";
    return false;
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> guard(u, curl_url_cleanup);
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    error = "not a valid URL";
    return false;
  }
  auto get = [&](CURLUPart part, unsigned flags, std::string& dest) {
    char* value = nullptr;
    if (curl_url_get(u, part, &value, flags) != CURLUE_OK) return false;
    dest = value;
    curl_free(value);
    return true;
  };
  std::string zone;
  if (!get(CURLUPART_SCHEME, 0, out.scheme) || (out.scheme != "http" && out.scheme != "https")) {
    error = "only http and https URLs are accepted";
    return false;
  }
  if (!get(CURLUPART_HOST, 0, out.host) || out.host.empty()) {
    error = "the URL has no host";
    return false;
  }
  if (get(CURLUPART_ZONEID, 0, zone)) {
    error = "IPv6 zone identifiers are not accepted";
    return false;
  }
  if (out.host.front() == '[' && out.host.back() == ']') out.host = out.host.substr(1, out.host.size() - 2);
  // (Whole strings moved in, not literals assigned: GCC 12 warns falsely (-Wrestrict) on the latter.)
  if (!get(CURLUPART_PORT, CURLU_DEFAULT_PORT, out.port)) out.port = std::string(out.scheme == "https" ? "443" : "80");
  if (!get(CURLUPART_PATH, CURLU_URLDECODE, out.path)) out.path = std::string(1, '/');
  return true;
}

struct Transfer {
  const AddressPolicy* policy = nullptr;
  int fd = -1;
  uint64_t max_bytes = 0;
  uint64_t written = 0;
  bool too_large = false;
  bool write_failed = false;
  std::string refused;
  CURL* curl = nullptr;
  EVP_MD_CTX* digest = nullptr;
};

curl_socket_t open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) {
    t->refused = "unexpected socket type";
    return CURL_SOCKET_BAD;
  }
  const std::string why = t->policy->refusal(&address->addr);
  if (!why.empty()) {
    t->refused = why + " is not allowed";
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code >= 300) return n;  // a redirect's or an error's body: not the file
  if (t->written + n > t->max_bytes) {
    t->too_large = true;
    return 0;
  }
  if (!write_all(t->fd, data, n)) {
    t->write_failed = true;
    return 0;
  }
  if (t->digest != nullptr) EVP_DigestUpdate(t->digest, data, n);
  t->written += n;
  return n;
}

std::string hex(const unsigned char* p, unsigned n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

}  // namespace

const char* hash_name_for_length(size_t hex_length) {
  switch (hex_length) {
    case 32: return "md5";
    case 40: return "sha1";
    case 64: return "sha256";
    case 128: return "sha512";
    default: return nullptr;
  }
}

std::string Fetcher::check_url(const std::string& url) const {
  UrlParts u;
  std::string error;
  if (!parse_url(url, u, error)) return error;
  return resolve_checked(policy_, u.host, u.port, "fetch from").refusal;
}

FetchResult Fetcher::download(const FetchRequest& request, int fd) const {
  FetchResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.timeout_s);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> digest(nullptr, EVP_MD_CTX_free);
  const char* hash_name = request.expected_hash.empty() ? nullptr : hash_name_for_length(request.expected_hash.size());
  if (hash_name != nullptr) {
    digest.reset(EVP_MD_CTX_new());
    if (!digest || EVP_DigestInit_ex(digest.get(), EVP_get_digestbyname(hash_name), nullptr) != 1) {
      result.error = "cannot compute " + std::string(hash_name);
      return result;
    }
  }
  UrlParts first;
  if (!parse_url(request.url, first, result.error)) return result;
  std::string url = request.url;
  for (int64_t hop = 0;; ++hop) {
    UrlParts u;
    if (!parse_url(url, u, result.error)) {
      result.error = "redirect to an unusable URL: " + result.error;
      return result;
    }
    const CheckedResolution resolved = resolve_checked(policy_, u.host, u.port, "fetch from");
    result.error = resolved.refusal;
    if (!result.error.empty()) return result;
    const std::string& pin = resolved.pin;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.error = "download timed out";
      return result;
    }
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
      result.error = "cannot reset the spool file";
      return result;
    }
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      result.error = "cannot start a download";
      return result;
    }
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl_guard(curl, curl_easy_cleanup);
    curl_slist* pins = curl_slist_append(nullptr, pin.c_str());
    curl_slist* headers = nullptr;
    const bool same_origin = u.scheme == first.scheme && u.host == first.host && u.port == first.port;
    if (same_origin) {
      for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> pins_guard(pins, curl_slist_free_all);
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_guard(headers, curl_slist_free_all);
    Transfer t;
    t.policy = &policy_;
    t.fd = fd;
    t.max_bytes = config_.max_bytes;
    t.curl = curl;
    t.digest = digest.get();
    if (digest) EVP_DigestInit_ex(digest.get(), nullptr, nullptr);
    char curl_error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_RESOLVE, pins);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(config_.max_bytes));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout_s * 1000));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "assay-worker");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    const CURLcode rc = curl_easy_perform(curl);
    if (!t.refused.empty()) {
      result.error = "refusing to fetch from " + u.host + ": " + t.refused;
      return result;
    }
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      result.error = "the download is larger than the limit of " + std::to_string(config_.max_bytes) + " bytes";
      return result;
    }
    if (t.write_failed) {
      result.error = "cannot write the download to the spool";
      return result;
    }
    if (rc != CURLE_OK) {
      result.error = std::string("download failed: ") + (curl_error[0] != '\0' ? curl_error : curl_easy_strerror(rc));
      return result;
    }
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
      char* next = nullptr;
      curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &next);
      if (next == nullptr) {
        result.error = "HTTP " + std::to_string(code) + " without a usable Location";
        return result;
      }
      if (hop + 1 > config_.max_redirects) {
        result.error = "too many redirects (more than " + std::to_string(config_.max_redirects) + ")";
        return result;
      }
      url = next;
      continue;
    }
    if (code < 200 || code >= 300) {
      result.error = "download failed: the server answered HTTP " + std::to_string(code);
      return result;
    }
    result.size = t.written;
    const size_t slash = u.path.find_last_of('/');
    result.file_name = slash == std::string::npos ? u.path : u.path.substr(slash + 1);
    if (result.file_name.empty()) result.file_name = u.host;
    if (result.file_name.size() > 255) result.file_name.resize(255);
    break;
  }
  if (digest) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_DigestFinal_ex(digest.get(), md, &length);
    std::string expected = request.expected_hash;
    for (char& ch : expected) ch = static_cast<char>(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
    const std::string actual = hex(md, length);
    if (actual != expected) {
      result.error = std::string("hash mismatch: the downloaded file's ") + hash_name + " is " + actual +
                     ", the request gave " + expected;
      return result;
    }
  }
  result.ok = true;
  return result;
}

}  // namespace worker
