// routes_service.cpp: the Service API (/srv/tiscale/v1/: mode, available, sysinfo) and the Quota
// API's answers when no Spectra Intelligence account is configured (there is none in this project).
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>

#include "admission.h"
#include "app.h"
#include "health.h"
#include "http_util.h"
#include "json_out.h"
#include "log.h"
#include "routes.h"

namespace worker {
namespace {

constexpr const char* kPausedKey = "paused";
constexpr const char* kModeError = "Invalid POST data: expected JSON object";

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

void send_mode(App& app, httplib::Response& res) {
  JsonOut j;
  j.begin_object().field("paused", app.paused.load()).end_object();
  send_json(res, 200, j.take());
}

void put_mode(App& app, const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) return send_error(res, 400, kModeError);
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(req.body).get_object().get(object) != simdjson::SUCCESS) return send_error(res, 400, kModeError);
  bool paused = false;
  if (object["paused"].get_bool().get(paused) != simdjson::SUCCESS) {
    return send_error(res, 400, "Invalid POST data: \"paused\" must be true or false");
  }
  if (!app.store.put_setting(kPausedKey, paused ? "true" : "false")) {
    return send_error(res, 500, "cannot record the operating mode");
  }
  app.paused.store(paused);
  log_line(std::string("operating mode: ") + (paused ? "paused" : "running"));
  send_mode(app, res);
}

void available(App& app, httplib::Response& res) {
  // The same answer an upload would get now (paused, not healthy, license): admission.h.
  if (const std::optional<Refusal> refusal = refuse_new_files(app, false)) {
    return send_error(res, refusal->status, refusal->message);
  }
  res.status = 200;  // empty body
}

void sysinfo(App& app, httplib::Response& res) {
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) != 3) load[0] = load[1] = load[2] = 0;
  const int64_t queued = static_cast<int64_t>(app.queue.size());
  JsonOut j;
  j.begin_object();
  j.key("load_average").begin_array().raw(number(load[0])).raw(number(load[1])).raw(number(load[2])).end_array();
  j.field("queue_size", queued);
  j.field("max_queue_name", "tiscale_hagent_input");
  j.field("max_queue_size", queued);
  j.field("hagent_running", true);
  j.key("scratch_space").raw(number(percent_used(app.spool.dir())));
  j.key("root_space").raw(number(percent_used("/")));
  j.end_object();
  send_json(res, 200, j.take());
}

}  // namespace

void register_service_routes(RouteTable& server, App& app) {
  app.paused.store(app.store.get_setting(kPausedKey).value_or("false") == "true");
  server.Get("/srv/tiscale/v1/mode", [&app](const httplib::Request&, httplib::Response& res) { send_mode(app, res); });
  server.Put("/srv/tiscale/v1/mode", [&app](const httplib::Request& req, httplib::Response& res) { put_mode(app, req, res); });
  server.Get("/srv/tiscale/v1/available", [&app](const httplib::Request&, httplib::Response& res) { available(app, res); });
  server.Get("/srv/tiscale/v1/sysinfo", [&app](const httplib::Request&, httplib::Response& res) { sysinfo(app, res); });
  for (const char* path : {"/api/tiscale/v1/quota", "/api/tiscale/v1/quota/company"}) {
    server.Get(path, [](const httplib::Request&, httplib::Response& res) {
      send_error(res, 503, "TiCloud is not configured.");
    });
  }
}

}  // namespace worker
