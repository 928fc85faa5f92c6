// config.cpp: the JSON configuration file, the command-line flags, and their validation.
#include "config.h"

#include <simdjson.h>

#include <cstring>
#include <functional>
#include <set>

#include "assay.h"

namespace worker {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A reader for one JSON object that records the first error with the setting's dotted name.
class Reader {
 public:
  Reader(std::string& error) : error_(error) {}

  bool failed() const { return !error_.empty(); }
  void fail(const std::string& where, const std::string& what) {
    if (error_.empty()) error_ = "setting \"" + where + "\": " + what;
  }

  void string(const element& v, const std::string& where, std::string& out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return fail(where, "expected a string");
    out.assign(s);
  }
  void integer(const element& v, const std::string& where, int64_t& out, int64_t min, int64_t max) {
    int64_t x = 0;
    if (v.get_int64().get(x) != simdjson::SUCCESS) return fail(where, "expected an integer");
    if (x < min || x > max) {
      return fail(where, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    out = x;
  }
  void unsigned_(const element& v, const std::string& where, uint64_t& out, uint64_t min) {
    uint64_t x = 0;
    if (v.get_uint64().get(x) != simdjson::SUCCESS) return fail(where, "expected a non-negative integer");
    if (x < min) return fail(where, "must be at least " + std::to_string(min));
    out = x;
  }
  void boolean(const element& v, const std::string& where, bool& out) {
    if (v.get_bool().get(out) != simdjson::SUCCESS) fail(where, "expected true or false");
  }
  void strings(const element& v, const std::string& where, std::vector<std::string>& out) {
    simdjson::dom::array a;
    if (v.get_array().get(a) != simdjson::SUCCESS) return fail(where, "expected an array of strings");
    out.clear();
    for (element item : a) {
      std::string_view s;
      if (item.get_string().get(s) != simdjson::SUCCESS) return fail(where, "expected an array of strings");
      out.emplace_back(s);
    }
  }
  // Calls `on_key` for each member of the object `v`; `on_key` returns false for an unknown key.
  void object(const element& v, const std::string& where,
              const std::function<bool(std::string_view, const element&, const std::string&)>& on_key) {
    simdjson::dom::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) return fail(where, "expected an object");
    for (auto field : o) {
      const std::string name = where.empty() ? std::string(field.key) : where + "." + std::string(field.key);
      if (!on_key(field.key, field.value, name)) fail(name, "unknown setting");
      if (failed()) return;
    }
  }

 private:
  std::string& error_;
};

constexpr int64_t kDay = 24 * 60 * 60;
constexpr int64_t kYear = 366 * kDay;

bool engine_option_known(std::string_view name) {
  for (int o = 1; o <= 16; ++o) {
    const char* n = assay_option_name(static_cast<assay_option>(o));
    if (n != nullptr && name == n && o != ASSAY_OPT_REPORT_TYPES_DIR) return true;
  }
  return false;
}

void read_file_settings(Reader& r, const element& root, Config& c) {
  r.object(root, "", [&](std::string_view k, const element& v, const std::string& w) {
    if (k == "listen") {
      std::string text;
      r.string(v, w, text);
      if (!r.failed() && !parse_listen(text, c.listen_host, c.listen_port)) r.fail(w, "expected HOST:PORT");
    } else if (k == "public_url") r.string(v, w, c.public_url);
    else if (k == "data_dir") r.string(v, w, c.data_dir);
    else if (k == "rules") { c.rules.emplace(); r.strings(v, w, *c.rules); }
    else if (k == "report_types_dir") r.string(v, w, c.report_types_dir);
    else if (k == "analysis_threads") { int64_t x = 0; r.integer(v, w, x, 0, 256); c.analysis_threads = int(x); }
    else if (k == "http_threads") { int64_t x = 0; r.integer(v, w, x, 1, 4096); c.http_threads = int(x); }
    else if (k == "queue_capacity") r.integer(v, w, c.queue_capacity, 1, 100000000);
    else if (k == "task_id_start") r.integer(v, w, c.task_id_start, 1, int64_t{1} << 53);  // exact in a JSON double
    else if (k == "max_upload_bytes") r.unsigned_(v, w, c.max_upload_bytes, 1);
    else if (k == "max_field_bytes") r.unsigned_(v, w, c.max_field_bytes, 1024);
    else if (k == "read_timeout_s") r.integer(v, w, c.read_timeout_s, 1, kDay);
    else if (k == "write_timeout_s") r.integer(v, w, c.write_timeout_s, 1, kDay);
    else if (k == "keep_alive_timeout_s") r.integer(v, w, c.keep_alive_timeout_s, 0, kDay);
    else if (k == "keep_alive_max_requests") r.integer(v, w, c.keep_alive_max_requests, 1, 1000000000);
    else if (k == "min_body_rate_bytes_s") r.unsigned_(v, w, c.min_body_rate_bytes_s, 0);
    else if (k == "shutdown_grace_s") r.integer(v, w, c.shutdown_grace_s, 0, kDay);
    else if (k == "durable_sync") r.boolean(v, w, c.durable_sync);
    else if (k == "log_requests") r.boolean(v, w, c.log_requests);
    else if (k == "yara_sync") r.boolean(v, w, c.yara_sync);
    else if (k == "worker_hostname") r.string(v, w, c.worker_hostname);
    else if (k == "worker_address") { c.worker_address.emplace(); r.strings(v, w, *c.worker_address); }
    else if (k == "tokens") {
      r.object(v, w, [&](std::string_view family, const element& list, const std::string& w2) {
        static const std::set<std::string_view> kFamilies = {"usage", "service", "license", "retro"};
        if (kFamilies.count(family) == 0) return false;
        r.strings(list, w2, c.tokens[std::string(family)]);
        return true;
      });
    } else if (k == "user_names") {
      r.object(v, w, [&](std::string_view family, const element& name, const std::string& w2) {
        static const std::set<std::string_view> kFamilies = {"usage", "service", "license", "retro"};
        if (kFamilies.count(family) == 0) return false;
        r.string(name, w2, c.user_names[std::string(family)]);
        return true;
      });
    } else if (k == "sample_store") {
      SampleStoreConfig& ss = c.sample_store;
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "enabled") r.boolean(v2, w2, ss.enabled);
        else if (k2 == "max_age_s") r.integer(v2, w2, ss.max_age_s, 1, 100 * kYear);
        else if (k2 == "max_bytes") r.unsigned_(v2, w2, ss.max_bytes, 1);
        else if (k2 == "sweep_interval_ms") r.integer(v2, w2, ss.sweep_interval_ms, 10, kDay * 1000);
        else return false;
        return true;
      });
    } else if (k == "retro_hunt") {
      RetroHuntConfig& rh = c.retro_hunt;
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "threads") r.integer(v2, w2, rh.threads, 0, 256);
        else if (k2 == "throttle_ms") r.integer(v2, w2, rh.throttle_ms, 0, 60 * 1000);
        else if (k2 == "resume_on_start") r.boolean(v2, w2, rh.resume_on_start);
        else if (k2 == "history") r.integer(v2, w2, rh.history, 1, 100000);
        else return false;
        return true;
      });
    } else if (k == "license") {
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "public_key_pem") r.string(v2, w2, c.license.public_key_pem);
        else if (k2 == "enforce") r.boolean(v2, w2, c.license.enforce);
        else return false;
        return true;
      });
    } else if (k == "stats") {
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "bucket_ms") r.integer(v2, w2, c.stats.bucket_ms, 100, 60 * 1000);
        else if (k2 == "flush_interval_ms") r.integer(v2, w2, c.stats.flush_interval_ms, 100, 10 * 60 * 1000);
        else return false;
        return true;
      });
    } else if (k == "health") {
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "max_disk_usage_percent") r.integer(v2, w2, c.health.max_disk_usage_percent, 0, 100);
        else return false;
        return true;
      });
    } else if (k == "tls") {
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "cert_file") r.string(v2, w2, c.tls.cert_file);
        else if (k2 == "key_file") r.string(v2, w2, c.tls.key_file);
        else return false;
        return true;
      });
    } else if (k == "retention") {
      RetentionConfig& rc = c.retention;
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "task_age_limit_s") r.integer(v2, w2, rc.task_age_limit_s, 1, kYear);
        else if (k2 == "unprocessed_task_limit_s") r.integer(v2, w2, rc.unprocessed_task_limit_s, 1, kYear);
        else if (k2 == "file_age_limit_s") r.integer(v2, w2, rc.file_age_limit_s, 1, kYear);
        else if (k2 == "sweep_interval_ms") r.integer(v2, w2, rc.sweep_interval_ms, 10, kDay * 1000);
        else return false;
        return true;
      });
    } else if (k == "fetch") {
      FetchConfig& f = c.fetch;
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "max_bytes") r.unsigned_(v2, w2, f.max_bytes, 1);
        else if (k2 == "timeout_s") r.integer(v2, w2, f.timeout_s, 1, kDay);
        else if (k2 == "connect_timeout_s") r.integer(v2, w2, f.connect_timeout_s, 1, 3600);
        else if (k2 == "max_redirects") r.integer(v2, w2, f.max_redirects, 0, 50);
        else if (k2 == "allow_networks") r.strings(v2, w2, f.allow_networks);
        else return false;
        return true;
      });
    } else if (k == "callback") {
      CallbackConfig& cb = c.callback;
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "enabled") r.boolean(v2, w2, cb.enabled);
        else if (k2 == "default_url") r.string(v2, w2, cb.default_url);
        else if (k2 == "report_type") r.string(v2, w2, cb.report_type);
        else if (k2 == "view") r.string(v2, w2, cb.view);
        else if (k2 == "retries") r.integer(v2, w2, cb.retries, 0, 100);
        else if (k2 == "backoff_ms") r.integer(v2, w2, cb.backoff_ms, 1, 10 * 60 * 1000);
        else if (k2 == "timeout_s") r.integer(v2, w2, cb.timeout_s, 1, 3600);
        else if (k2 == "max_pending") r.integer(v2, w2, cb.max_pending, 1, 1000000);
        else if (k2 == "threads") r.integer(v2, w2, cb.threads, 1, 64);
        else return false;
        return true;
      });
    } else if (k == "engine") {
      r.object(v, w, [&](std::string_view k2, const element& v2, const std::string& w2) {
        if (k2 == "passwords") {
          c.engine.passwords.emplace();
          r.strings(v2, w2, *c.engine.passwords);
        } else if (engine_option_known(k2)) {
          r.unsigned_(v2, w2, c.engine.limits[std::string(k2)], 0);
        } else {
          return false;
        }
        return true;
      });
    } else {
      return false;
    }
    return true;
  });
}

bool valid_token(const std::string& t) {
  if (t.size() < 30 || t.size() > 60) return false;
  for (char ch : t) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) return false;
  }
  return true;
}

bool validate(Config& c, std::string& error) {
  for (const auto& [family, list] : c.tokens) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (!valid_token(list[i])) {
        error = "tokens." + family + "[" + std::to_string(i) +
                "]: a token must be 30 to 60 alphanumeric characters (A-Z, a-z, 0-9)";
        return false;
      }
    }
  }
  if (c.tls.cert_file.empty() != c.tls.key_file.empty()) {
    error = "tls: set both cert_file and key_file, or neither";
    return false;
  }
  if (!c.public_url.empty()) {
    if (c.public_url.rfind("http://", 0) != 0 && c.public_url.rfind("https://", 0) != 0) {
      error = "public_url must start with http:// or https://";
      return false;
    }
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  }
  if (c.data_dir.empty()) {
    error = "data_dir must not be empty";
    return false;
  }
  return true;
}

}  // namespace

bool parse_listen(const std::string& text, std::string& host, int& port) {
  std::string h;
  std::string p;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return false;
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  if (h.empty() || p.empty() || p.size() > 5) return false;
  int value = 0;
  for (char ch : p) {
    if (ch < '0' || ch > '9') return false;
    value = value * 10 + (ch - '0');
  }
  if (value > 65535) return false;
  host = h;
  port = value;
  return true;
}

const char* usage_text() {
  return "usage: assay-worker [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--rules DIR]... [--sample-store]\n"
         "\n"
         "The Assay reference Worker: the Spectra Detect Usage API over HTTP, analysing files with the\n"
         "Assay engine. Every setting has a default; the flags override the JSON file (server/README.md).\n"
         "\n"
         "  --config FILE       JSON configuration file\n"
         "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0: any free port)\n"
         "  --data-dir DIR      database and spool directory (default ./assay-worker-data)\n"
         "  --rules PATH        YARA rules file or folder; repeat for several (default: bundled rules)\n"
         "  --sample-store      keep processed samples for retro hunting (sample_store.enabled)\n"
         "  --print-routes      start as usual, print METHOD PATTERN of every route served, and exit\n"
         "  --help, --version\n";
}

bool parse_args(int argc, char** argv, Overrides& out, bool& help, bool& version, std::string& error) {
  help = false;
  version = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (arg == "--help" || arg == "-h") { help = true; continue; }
    if (arg == "--version") { version = true; continue; }
    if (arg == "--print-routes") { out.print_routes = true; continue; }
    if (arg == "--sample-store") { out.sample_store = true; continue; }
    if (arg != "--config" && arg != "--listen" && arg != "--data-dir" && arg != "--rules") {
      error = "unknown argument: " + arg;
      return false;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    if (value.empty()) {
      error = arg + " needs a non-empty value";
      return false;
    }
    if (arg == "--config") out.config_file = value;
    else if (arg == "--listen") out.listen = value;
    else if (arg == "--data-dir") out.data_dir = value;
    else out.rules.push_back(value);
  }
  return true;
}

bool load_config(const Overrides& overrides, Config& out, std::string& error) {
  Config c;
  if (overrides.config_file) {
    simdjson::padded_string text;
    if (simdjson::padded_string::load(*overrides.config_file).get(text) != simdjson::SUCCESS) {
      error = "cannot read the configuration file " + *overrides.config_file + ": " + std::strerror(errno);
      return false;
    }
    simdjson::dom::parser parser;
    element root;
    const auto parse_error = parser.parse(text).get(root);
    if (parse_error != simdjson::SUCCESS) {
      error = *overrides.config_file + ": not valid JSON (" + simdjson::error_message(parse_error) + ")";
      return false;
    }
    Reader reader(error);
    read_file_settings(reader, root, c);
    if (reader.failed()) {
      error = *overrides.config_file + ": " + error;
      return false;
    }
  }
  if (overrides.listen && !parse_listen(*overrides.listen, c.listen_host, c.listen_port)) {
    error = "--listen: expected HOST:PORT, got " + *overrides.listen;
    return false;
  }
  if (overrides.data_dir) c.data_dir = *overrides.data_dir;
  if (!overrides.rules.empty()) c.rules = overrides.rules;
  if (overrides.sample_store) c.sample_store.enabled = true;
  if (!validate(c, error)) return false;
  out = std::move(c);
  return true;
}

}  // namespace worker
