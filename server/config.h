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

// Task-completion callbacks (callback.h): the task response POSTed to a URL when a task ends.
struct CallbackConfig {
  bool enabled = false;      // off: nothing is sent, user_data.callback is only checked for shape
  std::string default_url;   // used when user_data.callback gives no url; "" none (operator-set: trusted)
  std::string report_type;   // used when user_data.callback gives none; "" the API's default (medium)
  std::string view;          // likewise; "" none
  int64_t retries = 5;       // further attempts after a failed one (connection error or non-2xx)
  int64_t backoff_ms = 1000; // delay before the first retry, doubling for each next one
  int64_t timeout_s = 30;    // one attempt, connecting included
  int64_t max_pending = 1000;  // callbacks queued or waiting for a retry; beyond it they are dropped
  int64_t threads = 2;       // sender threads
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
  // On: uploads and submit-url are refused (503) while the license status is not VALID.
  bool enforce = false;
};

struct StatsConfig {
  // Length of one statistics bucket; the windows 1m, 10m, 1h, 8h and 1d are 1, 10, 60, 480 and
  // 1440 buckets. A test aid: shorter buckets make the windows move in seconds. Keep the default.
  int64_t bucket_ms = 60 * 1000;
  int64_t flush_interval_ms = 5 * 1000;  // how often the counters are written to the database
};

struct HealthConfig {
  // Above this percent used on the spool's or the root file system, the Worker is "not healthy":
  // /srv/tiscale/v1/available, uploads and submit-url answer 503.
  int64_t max_disk_usage_percent = 95;
};

// The sample store (sample_store.h): processed files kept for retro hunting, content-addressed.
struct SampleStoreConfig {
  bool enabled = false;                        // off: nothing is kept (also --sample-store)
  int64_t max_age_s = 30 * 24 * 60 * 60;      // a sample not submitted again for this long is evicted
  uint64_t max_bytes = 10ull << 30;            // beyond this total, the least recently submitted go first
  int64_t sweep_interval_ms = 60 * 1000;       // how often the age budget is enforced when idle
};

// Local retro hunting (retro_hunt.h).
struct RetroHuntConfig {
  int64_t threads = 0;        // hunt threads (idle priority); 0: one per core
  // A test aid: each hunt thread sleeps this long after each sample, so a hunt over a small store
  // lasts long enough to be stopped or interrupted. Keep 0 in production.
  int64_t throttle_ms = 0;
  bool resume_on_start = true;  // a hunt interrupted by a stop or crash resumes; false: recorded STOPPED
  int64_t history = 50;       // hunts kept (with their matches); older ones are deleted
};

struct Config {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;          // 0: any free port (the chosen one is logged)
  std::string public_url;          // base of task_url; empty: scheme://Host of the request
  std::string data_dir = "assay-worker-data";
  std::optional<std::vector<std::string>> rules;  // unset: the bundled rules/ when run from the tree
  std::string report_types_dir;    // custom report types (*.json); empty: built-in types only
  int analysis_threads = 0;        // 0: one per core
  int http_threads = 32;           // requests served at once (connections.h: waiting ones hold none)
  int64_t queue_capacity = 10000;  // tasks waiting for analysis; beyond it uploads get 503
  // The first task id. Workers behind one Hub take disjoint ranges (deploy/haproxy_config.py gives
  // the k-th Worker k * 10^12 + 1) so that the Hub can route /task/{id} by the id alone.
  int64_t task_id_start = 1;
  uint64_t max_upload_bytes = 4ull << 30;  // request body of an upload
  uint64_t max_field_bytes = 1u << 20;     // each non-file form field and the submit-url body
  int64_t read_timeout_s = 30;
  int64_t write_timeout_s = 30;
  int64_t keep_alive_timeout_s = 5;
  int64_t keep_alive_max_requests = 1000;
  // Request and response bodies must average at least this many bytes per second once their first
  // read_timeout_s (write_timeout_s) has passed, or the connection is closed; 0: no minimum.
  uint64_t min_body_rate_bytes_s = 1024;
  int64_t shutdown_grace_s = 60;   // SIGTERM: how long in-flight analyses may run before requeueing
  bool durable_sync = false;       // fsync spooled files and SQLite FULL sync (survive power loss)
  bool log_requests = true;
  bool yara_sync = true;           // POST /api/tiscale/v1/pull/all may reload the rules (417 when off)
  std::string worker_hostname;     // empty: gethostname()
  std::optional<std::vector<std::string>> worker_address;  // unset: the host's DNS name
  // Token families ("usage", "service", "license", "retro"): a family with no tokens is open.
  std::map<std::string, std::vector<std::string>> tokens;
  // A user name per token family (e.g. "retro": "analyst"): who a request of that family acts as,
  // where the API reports one (the retro hunts' started_username). Unset: null.
  std::map<std::string, std::string> user_names;
  TlsConfig tls;
  RetentionConfig retention;
  FetchConfig fetch;
  CallbackConfig callback;
  EngineConfig engine;
  LicenseConfig license;
  StatsConfig stats;
  HealthConfig health;
  SampleStoreConfig sample_store;
  RetroHuntConfig retro_hunt;
};

// Command-line overrides; an empty optional leaves the file's value.
struct Overrides {
  std::optional<std::string> config_file;
  std::optional<std::string> listen;  // HOST:PORT or [V6]:PORT
  std::optional<std::string> data_dir;
  std::vector<std::string> rules;     // --rules, repeatable; non-empty replaces the file's list
  bool print_routes = false;          // --print-routes: list every route served, then exit
  bool sample_store = false;          // --sample-store: keep processed samples (sample_store.enabled)
};

// Parses argv. Returns false with `error` set on a bad flag; sets `help`/`version` when asked.
bool parse_args(int argc, char** argv, Overrides& out, bool& help, bool& version, std::string& error);
const char* usage_text();

// Defaults, then the file (if any), then the overrides; then validation. False with `error` set.
bool load_config(const Overrides& overrides, Config& out, std::string& error);

// Splits "host:port" / "[v6]:port". False when malformed.
bool parse_listen(const std::string& text, std::string& host, int& port);

}  // namespace worker
