// config.h: every setting of the Worker, with its default.
//
// One JSON file (--config) sets any subset; the command-line flags override the file; what neither
// says keeps the default below, so the Worker starts with no file at all. Unknown keys and values of
// the wrong type or out of range are refused at start with a message naming the setting, because a
// typo that silently falls back to a default (say, an empty token list that turns auth off) is
// worse than not starting.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace worker {

struct RetentionConfig {
  int64_t task_age_limit_s = 90 * 60;       // reports kept this long after processing ("Task Age Limit")
  int64_t unprocessed_task_limit_s = 60 * 60;  // queued longer than this: cancelled ("Unprocessed Task Limit")
  int64_t file_age_limit_s = 24 * 60 * 60;  // failed and cancelled records kept this long ("File Age Limit")
  int64_t sweep_interval_ms = 30 * 1000;    // how often the sweeper runs
};

struct FetchConfig {
  uint64_t max_bytes = 1ull << 30;      // largest download accepted (submit-url)
  int64_t timeout_s = 300;              // whole transfer, redirects included
  int64_t connect_timeout_s = 10;
  int64_t max_redirects = 5;
  // Networks that are normally refused (loopback, private, link-local, multicast, ...) but allowed
  // here, as CIDRs, e.g. ["127.0.0.0/8"] for a local test server. Empty: all of them refused.
  std::vector<std::string> allow_networks;
};

// Engine limits; unset ones keep the engine's own defaults (assay_option_bounds).
struct EngineConfig {
  std::map<std::string, uint64_t> limits;  // option name ("max_depth", "timeout_ms", ...) -> value
  std::optional<std::vector<std::string>> passwords;  // replaces the engine's list when set
};

struct TlsConfig {
  std::string cert_file;  // PEM; both set: HTTPS
  std::string key_file;
};

struct LicenseConfig {
  // Path of the PEM file (SubjectPublicKeyInfo, Ed25519) that license files are verified against.
  // Empty: no license can be applied (PUT /api/license/v1/upload answers 400).
  std::string public_key_pem;
};

struct Config {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;          // 0: any free port (the chosen one is logged)
  std::string public_url;          // base of task_url; empty: scheme://Host of the request
  std::string data_dir = "assay-worker-data";
  std::optional<std::vector<std::string>> rules;  // unset: the bundled rules/ when run from the tree
  std::string report_types_dir;    // custom report types (*.json); empty: built-in types only
  int analysis_threads = 0;        // 0: one per core
  int http_threads = 32;           // connections served at once (one thread per connection)
  int64_t queue_capacity = 10000;  // tasks waiting for analysis; beyond it uploads get 503
  uint64_t max_upload_bytes = 4ull << 30;  // request body of an upload
  uint64_t max_field_bytes = 1u << 20;     // each non-file form field and the submit-url body
  int64_t read_timeout_s = 30;
  int64_t write_timeout_s = 30;
  int64_t keep_alive_timeout_s = 5;
  int64_t keep_alive_max_requests = 1000;
  int64_t shutdown_grace_s = 60;   // SIGTERM: how long in-flight analyses may run before requeueing
  bool durable_sync = false;       // fsync spooled files and SQLite FULL sync (survive power loss)
  bool log_requests = true;
  bool yara_sync = true;           // POST /api/tiscale/v1/pull/all may reload the rules (417 when off)
  std::string worker_hostname;     // empty: gethostname()
  std::optional<std::vector<std::string>> worker_address;  // unset: the host's DNS name
  // Token families ("usage", "service", "license", "retro"): a family with no tokens is open.
  std::map<std::string, std::vector<std::string>> tokens;
  TlsConfig tls;
  RetentionConfig retention;
  FetchConfig fetch;
  EngineConfig engine;
  LicenseConfig license;
};

// Command-line overrides; an empty optional leaves the file's value.
struct Overrides {
  std::optional<std::string> config_file;
  std::optional<std::string> listen;  // HOST:PORT or [V6]:PORT
  std::optional<std::string> data_dir;
  std::vector<std::string> rules;     // --rules, repeatable; non-empty replaces the file's list
};

// Parses argv. Returns false with `error` set on a bad flag; sets `help`/`version` when asked.
bool parse_args(int argc, char** argv, Overrides& out, bool& help, bool& version, std::string& error);
const char* usage_text();

// Defaults, then the file (if any), then the overrides; then validation. False with `error` set.
bool load_config(const Overrides& overrides, Config& out, std::string& error);

// Splits "host:port" / "[v6]:port". False when malformed.
bool parse_listen(const std::string& text, std::string& host, int& port);

}  // namespace worker
