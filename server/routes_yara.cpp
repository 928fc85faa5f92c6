// routes_yara.cpp: YARA rule synchronisation. GET /api/tiscale/v2/sync-status lists every rule file
// (ruleset) of the rules folders with its hash and compile errors; POST /api/tiscale/v1/pull/all
// recompiles them all and swaps the new set in while analysis goes on, or answers 417 and keeps the
// running set when synchronisation is off or any ruleset fails to compile.
#include <openssl/evp.h>

#include <fstream>
#include <iterator>
#include <mutex>

#include "app.h"
#include "http_util.h"
#include "json_out.h"
#include "log.h"
#include "routes.h"

namespace worker {
namespace {

constexpr const char* kRevisionKey = "rules_revision";

std::string file_sha1(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha1(), nullptr);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out.push_back(hex[digest[i] >> 4]), out.push_back(hex[digest[i] & 0xF]);
  return out;
}

int64_t revision(App& app) {
  const std::optional<std::string> stored = app.store.get_setting(kRevisionKey);
  return stored ? std::strtoll(stored->c_str(), nullptr, 10) : 0;
}

void sync_status(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::optional<bool> error_only =
      req.has_param("errorOnly") ? parse_flag(req.get_param_value("errorOnly")) : std::optional<bool>(false);
  if (!error_only) return send_error(res, 400, "parameter errorOnly must be true or false");
  const int64_t current = revision(app);
  JsonOut j;
  j.begin_object().field("revision", current).key("rulesets").begin_array();
  for (const EngineHost::Ruleset& r : app.engine.rulesets()) {
    if (*error_only && r.errors.empty()) continue;
    j.begin_object().field("revision", current).field("key", r.name).field("hash", file_sha1(r.path));
    j.key("errors").begin_array();
    for (size_t start = 0; start < r.errors.size();) {
      const size_t end = std::min(r.errors.find('\n', start), r.errors.size());
      j.value(r.errors.substr(start, end - start));
      start = end + 1;
    }
    j.end_array().end_object();
  }
  j.end_array().end_object();
  send_json(res, 200, j.take());
}

void pull_all(App& app, httplib::Response& res) {
  if (!app.config.yara_sync) return send_error(res, 417, "YARA synchronisation is disabled");
  static std::mutex serial;  // one pull at a time, so revisions count reloads exactly
  std::lock_guard lock(serial);
  std::vector<EngineHost::Ruleset> failures;
  if (!app.engine.reload(failures)) {
    std::string message = "rules not reloaded; the running set stays active:";
    for (const EngineHost::Ruleset& r : failures) message += " " + r.name + " (" + r.errors.substr(0, r.errors.find('\n')) + ")";
    log_line(message);
    return send_error(res, 417, message);
  }
  const int64_t next = revision(app) + 1;
  app.store.put_setting(kRevisionKey, std::to_string(next));
  log_line("rules reloaded: revision " + std::to_string(next) + ", id " + app.engine.rules_id());
  JsonOut j;
  j.begin_object().field("revision", next).field("id", app.engine.rules_id()).end_object();
  send_json(res, 200, j.take());
}

}  // namespace

void register_yara_routes(RouteTable& server, App& app) {
  server.Get("/api/tiscale/v2/sync-status", [&app](const httplib::Request& req, httplib::Response& res) { sync_status(app, req, res); });
  server.Post("/api/tiscale/v1/pull/all", [&app](const httplib::Request&, httplib::Response& res) { pull_all(app, res); });
}

}  // namespace worker
