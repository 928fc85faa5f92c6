// routes.h: the HTTP routes of the Worker, one function per file that registers them.
// Each registers through a RouteTable (route_table.h), which --print-routes lists: every route
// added here must also be described in server/openapi.json (tests/server/test_openapi.py checks).
#pragma once

#include <httplib.h>

#include <string>

#include "route_table.h"

namespace worker {

struct App;

// Authorization, the JSON error pages, the per-request log line (main.cpp wires these first).
void register_common(httplib::Server& server, App& app);
// GET/DELETE /api/tiscale/v1/task[/{id}], GET /api/tiscale/v1/yara (routes_usage.cpp).
void register_task_routes(RouteTable& server, App& app);
// POST /api/tiscale/v1/upload (upload.cpp).
void register_upload_route(RouteTable& server, App& app);
// POST /api/tiscale/v1/submit-url (submit_url.cpp).
void register_submit_url_route(RouteTable& server, App& app);
// GET/PUT /srv/tiscale/v1/mode, GET /srv/tiscale/v1/available and sysinfo, GET /api/tiscale/v1/quota
// and quota/company (routes_service.cpp). Loads the persisted operating mode into App::paused.
void register_service_routes(RouteTable& server, App& app);

// routes_yara.cpp: sync-status and pull/all.
void register_yara_routes(RouteTable& server, App& app);
// The License API /api/license/v1/ (routes_license.cpp). False with `error` set when the configured
// license public key cannot be loaded.
bool register_license_routes(RouteTable& server, App& app, std::string& error);
// The license status the License API reports (VALID, INVALID, EXPIRED, NO_LICENSE, ...), for
// license.enforce (routes_license.cpp). Call after register_license_routes().
std::string license_status(App& app);
// GET /srv/tiscale/v1/stats (routes_stats.cpp).
void register_stats_routes(RouteTable& server, App& app);
// The YARA Retro API: local retro hunts and Cloud Retro per ruleset (routes_retro.cpp).
void register_retro_routes(RouteTable& server, App& app);

}  // namespace worker
