// routes_retro.cpp: the YARA Retro API (seeds/yara-retro-api.txt) under the `retro` token family.
//
//   GET/POST /api/uploads/local-retro-hunt/        status; operation=START|STOP (retro_hunt.h)
//   GET      /api/uploads/local-retro-hunt/matches (ours) the rules each hunt found, a page at a time
//   GET/POST /api/yara/ruleset/{name}/cloud-retro-hunt/  Cloud Retro: there is no Spectra
//            Intelligence connection here, so operations answer 428 and the status says DISABLED,
//            with the ruleset's local scale_status as it is.
//
// Every answer here, errors included, is the seed's envelope {status, message, success}.
#include <filesystem>

#include "app.h"
#include "http_util.h"
#include "json_out.h"
#include "retro_hunt.h"
#include "routes.h"
#include "sample_store.h"

namespace worker {
namespace {

constexpr int64_t kDefaultPageSize = 100;
constexpr int64_t kMaxPageSize = 1000;

// {status: <status_json>, message, success}; `status_json` is already JSON ("null" for none).
void send_envelope(httplib::Response& res, int http_status, std::string_view status_json,
                   const std::optional<std::string>& message, const char* ruleset_name = nullptr) {
  JsonOut j;
  j.begin_object().key("status").raw(status_json).key("message");
  if (message) j.value(*message);
  else j.null();
  if (ruleset_name != nullptr) j.field("ruleset_name", ruleset_name);
  j.field("success", http_status < 400).end_object();
  send_json(res, http_status, j.take());
}

void send_failure(httplib::Response& res, int http_status, const std::string& message,
                  const char* ruleset_name = nullptr) {
  send_envelope(res, http_status, "null", message, ruleset_name);
}

std::string state_only(const std::string& state) {
  JsonOut j;
  j.begin_object().field("state", state).end_object();
  return j.take();
}

// The form field `operation` (multipart or urlencoded); nullopt when absent or given twice.
std::optional<std::string> operation_of(const httplib::Request& req) {
  if (req.is_multipart_form_data()) {
    if (req.files.count("operation") != 1) return std::nullopt;
    return req.get_file_value("operation").content;
  }
  if (req.params.count("operation") != 1) return std::nullopt;
  return req.get_param_value("operation");
}

std::optional<std::string> user_name(const App& app) {
  const auto it = app.config.user_names.find("retro");
  if (it == app.config.user_names.end()) return std::nullopt;
  return it->second;
}

void optional_field(JsonOut& j, std::string_view key, const std::optional<std::string>& value) {
  j.key(key);
  if (value) j.value(*value);
  else j.null();
}

void time_field(JsonOut& j, std::string_view key, const std::optional<int64_t>& ms) {
  optional_field(j, key, ms ? std::optional<std::string>(iso_time(*ms)) : std::nullopt);
}

void local_status(App& app, httplib::Response& res) {
  const std::vector<HuntRow> hunts = app.retro->status(static_cast<size_t>(app.config.retro_hunt.history));
  if (hunts.empty()) return send_envelope(res, 200, "null", std::nullopt);  // never run: status null (seed)
  const HuntRow& latest = hunts.front();
  JsonOut j;
  j.begin_object().field("state", latest.state);
  time_field(j, "started", latest.started_ms);
  time_field(j, "stopped", latest.stopped_ms);
  j.field("processed", latest.processed).field("samples", latest.samples);
  j.key("history").begin_array();
  for (const HuntRow& h : hunts) {
    j.begin_object();
    optional_field(j, "started_username", h.started_username);
    time_field(j, "started", h.started_ms);
    optional_field(j, "stopped_username", h.stopped_username);
    j.field("state", h.state);
    time_field(j, "stopped", h.stopped_ms);
    j.field("samples", h.samples).field("processed", h.processed);
    j.end_object();
  }
  j.end_array().end_object();
  send_envelope(res, 200, j.str(), std::nullopt);
}

void local_operation(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::optional<std::string> operation = operation_of(req);
  if (operation == "START") {
    switch (app.retro->start_hunt(user_name(app))) {
      case RetroHunt::StartOutcome::Started:
        return send_envelope(res, 200, state_only("STARTING"), std::nullopt);
      case RetroHunt::StartOutcome::AlreadyRunning: {
        const std::vector<HuntRow> current = app.retro->status(1);
        return send_envelope(res, 412, current.empty() ? "null" : state_only(current[0].state),
                             "a local retro hunt is already running");
      }
      case RetroHunt::StartOutcome::StoreOff:
        return send_failure(res, 412, "the sample store is off (sample_store.enabled): there is nothing to hunt in");
      case RetroHunt::StartOutcome::Failed:
        return send_failure(res, 500, "the retro hunt could not be recorded");
    }
  }
  if (operation == "STOP") {
    const std::optional<std::string> state = app.retro->stop_hunt(user_name(app));
    if (!state) return send_envelope(res, 200, "null", "no local retro hunt has run");
    return send_envelope(res, 200, state_only(*state), std::nullopt);
  }
  send_failure(res, 400, "form field operation must be START or STOP (case-sensitive), given once");
}

void local_matches(App& app, const httplib::Request& req, httplib::Response& res) {
  int64_t offset = 0;
  int64_t limit = kDefaultPageSize;
  bool latest_only = false;
  if (const auto text = query(req, "offset")) {
    const std::optional<int64_t> value = parse_count(*text);
    if (!value) return send_failure(res, 400, "offset must be a non-negative integer");
    offset = *value;
  }
  if (const auto text = query(req, "limit")) {
    const std::optional<int64_t> value = parse_count(*text);
    if (!value || *value < 1 || *value > kMaxPageSize) {
      return send_failure(res, 400, "limit must be an integer from 1 to " + std::to_string(kMaxPageSize));
    }
    limit = *value;
  }
  if (const auto text = query(req, "latest")) {
    const std::optional<bool> value = parse_flag(*text);
    if (!value) return send_failure(res, 400, "latest must be true or false");
    latest_only = *value;
  }
  int64_t hunt_id = 0;
  if (latest_only) {
    const std::vector<HuntRow> newest = app.store.hunts(1);
    if (newest.empty()) hunt_id = -1;  // no hunt: nothing matches
    else hunt_id = newest[0].id;
  }
  int64_t total = 0;
  const std::vector<MatchRow> rows = app.store.matches(hunt_id, offset, limit, total);
  JsonOut j;
  j.begin_object().field("total", total).field("offset", offset).field("limit", limit).key("matches").begin_array();
  for (const MatchRow& m : rows) {
    j.begin_object().field("sha256", m.sha256).field("ruleset", m.ruleset).field("rule", m.rule);
    j.field("hunt_started", iso_time(m.hunt_started_ms)).end_object();
  }
  j.end_array().end_object();
  send_envelope(res, 200, j.str(), std::nullopt);
}

// The local state of a ruleset, by name (case-sensitive): ACTIVE or INVALID for a rule file the
// running engine compiled or refused, DISABLED for one in the rules folders that it has not loaded
// (added since the last pull/all). nullopt: no such ruleset.
std::optional<std::string> scale_status(const App& app, const std::string& name) {
  for (const EngineHost::Ruleset& r : app.engine.rulesets()) {
    if (r.name == name) return r.active ? "ACTIVE" : "INVALID";
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& root : app.engine.rule_paths()) {
    const auto is_rule_file = [&](const fs::path& p) {
      const std::string ext = p.extension().string();
      return (ext == ".yar" || ext == ".yara") && p.stem().string() == name;
    };
    if (fs::is_regular_file(root, ec)) {
      if (is_rule_file(root)) return "DISABLED";
      continue;
    }
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && is_rule_file(it->path())) return "DISABLED";
    }
  }
  return std::nullopt;
}

void cloud_status(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches[1];
  const std::optional<std::string> scale = scale_status(app, name);
  if (!scale) return send_failure(res, 404, "ruleset not found: " + name, name.c_str());
  JsonOut j;
  j.begin_object().field("cloud_status", "DISABLED").field("scale_status", *scale);
  for (const char* key : {"retrohunt_status", "retrohunt_start_time", "retrohunt_finish_time",
                          "retrohunt_estimated_finish_time", "retrohunt_progress", "reason"}) {
    j.key(key).null();
  }
  j.end_object();
  send_envelope(res, 200, j.str(), std::nullopt, name.c_str());
}

void cloud_operation(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches[1];
  if (!scale_status(app, name)) return send_failure(res, 404, "ruleset not found: " + name, name.c_str());
  const std::optional<std::string> operation = operation_of(req);
  if (operation != "START" && operation != "STOP" && operation != "CLEAR") {
    return send_failure(res, 400, "form field operation must be START, STOP or CLEAR (case-sensitive), given once",
                        name.c_str());
  }
  send_failure(res, 428, "Cloud Retro hunting needs a Spectra Intelligence connection, and this Worker has none",
               name.c_str());
}

}  // namespace

void register_retro_routes(RouteTable& server, App& app) {
  server.Get("/api/uploads/local-retro-hunt/", [&app](const httplib::Request&, httplib::Response& res) {
    local_status(app, res);
  });
  server.Post("/api/uploads/local-retro-hunt/", [&app](const httplib::Request& req, httplib::Response& res) {
    local_operation(app, req, res);
  });
  server.Get("/api/uploads/local-retro-hunt/matches", [&app](const httplib::Request& req, httplib::Response& res) {
    local_matches(app, req, res);
  });
  server.Get("/api/yara/ruleset/([^/]+)/cloud-retro-hunt/", [&app](const httplib::Request& req, httplib::Response& res) {
    cloud_status(app, req, res);
  });
  server.Post("/api/yara/ruleset/([^/]+)/cloud-retro-hunt/", [&app](const httplib::Request& req, httplib::Response& res) {
    cloud_operation(app, req, res);
  });
}

}  // namespace worker
