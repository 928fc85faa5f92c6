// routes.h: the HTTP routes of the Worker, one function per file that registers them.
#pragma once

#include <httplib.h>

#include <string>

namespace worker {

struct App;

// Authorization, the JSON error pages, the per-request log line (main.cpp wires these first).
void register_common(httplib::Server& server, App& app);
// GET/DELETE /api/tiscale/v1/task[/{id}], GET /api/tiscale/v1/yara (routes_usage.cpp).
void register_task_routes(httplib::Server& server, App& app);
// POST /api/tiscale/v1/upload (upload.cpp).
void register_upload_route(httplib::Server& server, App& app);
// POST /api/tiscale/v1/submit-url (submit_url.cpp).
void register_submit_url_route(httplib::Server& server, App& app);
// GET/PUT /srv/tiscale/v1/mode, GET /srv/tiscale/v1/available and sysinfo, GET /api/tiscale/v1/quota
// and quota/company (routes_service.cpp). Loads the persisted operating mode into App::paused.
void register_service_routes(httplib::Server& server, App& app);

// routes_yara.cpp: sync-status and pull/all.
void register_yara_routes(httplib::Server& server, App& app);
// The License API /api/license/v1/ (routes_license.cpp). False with `error` set when the configured
// license public key cannot be loaded.
bool register_license_routes(httplib::Server& server, App& app, std::string& error);

}  // namespace worker
