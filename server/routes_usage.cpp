// routes_usage.cpp: the task routes of the Usage API (listing, one task with its report, deletion)
// and the YARA rules identifier.
#include <string>

#include "app.h"
#include "http_util.h"
#include "json_out.h"
#include "log.h"
#include "routes.h"
#include "task_response.h"

namespace worker {
namespace {

constexpr const char* kTaskPath = R"(/api/tiscale/v1/task/([^/]+))";

// A task id from the path: a positive integer. Anything else names no task (404).
std::optional<int64_t> task_id(const httplib::Request& req, httplib::Response& res) {
  const std::string text = req.matches[1];
  const std::optional<int64_t> id = parse_count(text);
  if (!id || *id == 0) {
    send_error(res, 404, "no task " + printable(text, 64) + ": task ids are positive integers");
    return std::nullopt;
  }
  return id;
}

// The rendering the request asks for; false (with the 400 sent) on a malformed flag.
bool render_request(const httplib::Request& req, httplib::Response& res, RenderRequest& out) {
  out.report_type = query(req, "report_type");
  out.view = query(req, "view");
  out.include_fields = query(req, "include_fields");
  out.exclude_fields = query(req, "exclude_fields");
  for (const auto& [name, flag] : {std::pair{"full", &out.full}, std::pair{"v13", &out.v13}}) {
    const std::optional<std::string> text = query(req, name);
    if (!text) continue;
    *flag = parse_flag(*text);
    if (!*flag) {
      send_error(res, 400, std::string("parameter ") + name + " must be 1, 0, true or false");
      return false;
    }
  }
  return true;
}

void get_task(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::optional<int64_t> id = task_id(req, res);
  if (!id) return;
  RenderRequest rendering;
  if (!render_request(req, res, rendering)) return;
  TaskResponse answer = render_task_response(app, *id, rendering);
  if (answer.status != 200) return send_error(res, answer.status, answer.error);
  send_json(res, 200, std::move(answer.body));
}

void list_tasks(App& app, const httplib::Request& req, httplib::Response& res) {
  int64_t age = 0;
  if (const std::optional<std::string> text = query(req, "age")) {
    const std::optional<int64_t> parsed = parse_count(*text);
    if (!parsed) return send_error(res, 400, "parameter age must be a non-negative integer (seconds)");
    age = *parsed;
  }
  std::optional<std::string> token;
  if (const std::optional<std::string> text = query(req, "token")) token = strip_token_prefix(*text);
  const std::vector<TaskSummary> tasks = app.store.list(now_ms(), age, token, app.config.retention);
  JsonOut j;
  j.reserve(tasks.size() * 64 + 2);
  j.begin_array();
  for (const TaskSummary& t : tasks) {
    j.begin_object().field("task_id", t.id).field("submitted", t.submitted_ms / 1000).key("processed");
    if (t.processed_ms) j.value(*t.processed_ms / 1000);
    else j.null();
    j.end_object();
  }
  j.end_array();
  send_json(res, 200, j.take());
}

void delete_task(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::optional<int64_t> id = task_id(req, res);
  if (!id) return;
  std::string spool_name;
  if (!app.store.remove(*id, spool_name)) return send_error(res, 404, "no task " + std::to_string(*id));
  app.spool.remove(spool_name);
  res.status = 200;  // empty body, as the seed says
}

void delete_tasks(App& app, const httplib::Request& req, httplib::Response& res) {
  const std::optional<std::string> text = query(req, "age");
  if (!text) return send_error(res, 400, "parameter age is required (seconds; 0 deletes every task)");
  const std::optional<int64_t> age = parse_count(*text);
  if (!age) return send_error(res, 400, "parameter age must be a non-negative integer (seconds)");
  std::vector<std::string> spool_names;
  const int64_t removed = app.store.remove_older(now_ms(), *age, spool_names);
  for (const std::string& name : spool_names) app.spool.remove(name);
  log_line("deleted " + std::to_string(removed) + " task(s) older than " + std::to_string(*age) + " s");
  res.status = 200;
}

void yara_id(App& app, const httplib::Request&, httplib::Response& res) {
  JsonOut j;
  j.begin_object().field("id", app.engine.rules_id()).end_object();
  send_json(res, 200, j.take());
}

}  // namespace

void register_task_routes(RouteTable& server, App& app) {
  server.Get("/api/tiscale/v1/task", [&app](const httplib::Request& req, httplib::Response& res) { list_tasks(app, req, res); });
  server.Delete("/api/tiscale/v1/task", [&app](const httplib::Request& req, httplib::Response& res) { delete_tasks(app, req, res); });
  server.Get(kTaskPath, [&app](const httplib::Request& req, httplib::Response& res) { get_task(app, req, res); });
  server.Delete(kTaskPath, [&app](const httplib::Request& req, httplib::Response& res) { delete_task(app, req, res); });
  server.Get("/api/tiscale/v1/yara", [&app](const httplib::Request& req, httplib::Response& res) { yara_id(app, req, res); });
}

}  // namespace worker
