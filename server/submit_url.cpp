// submit-url.cpp: POST /api/tiscale/v1/submit-url.
//
// The request is checked here (JSON shape, URL scheme, hash form, and the addresses the host
// resolves to, so a URL pointing inside the network is refused with 400 before anything connects),
// recorded as a queued task, and downloaded later by an analysis thread (fetch.cpp), which checks
// every address again, redirects included. A download failure or hash mismatch fails the task with
// the reason in its "error" field.
#include <simdjson.h>

#include "admission.h"
#include "app.h"
#include "connection.h"
#include "http_util.h"
#include "json_out.h"
#include "routes.h"

namespace worker {
namespace {

bool header_name_ok(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (char ch : name) {
    const bool token = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
    if (!token) return false;
  }
  return true;
}

bool header_value_ok(std::string_view value) {
  if (value.size() > 8192) return false;
  for (char ch : value) {
    if (ch == '\r' || ch == '\n' || ch == '\0') return false;
  }
  return true;
}

// custom_data / user_data: a JSON value, or a string holding JSON (as the upload's form fields do).
// Returns the JSON text, or nullopt when the string is not JSON.
std::optional<std::string> json_field(simdjson::dom::element value) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    simdjson::dom::parser inner;
    simdjson::dom::element parsed;
    if (inner.parse(std::string(text)).get(parsed) != simdjson::SUCCESS) return std::nullopt;
    return std::string(text);
  }
  return simdjson::minify(value);
}

void handle_submit(App& app, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  // Paused, not healthy, or no valid license (admission.h).
  if (const std::optional<Refusal> refusal = refuse_new_files(app, true)) {
    return send_error_closing(res, refusal->status, refusal->message);
  }
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    return send_error_closing(res, 400, "expected Content-Type: application/json with a JSON object {\"url\": ...}");
  }
  std::string body;
  bool too_large = false;
  const bool read = reader([&](const char* data, size_t length) {
    if (body.size() + length > app.config.max_field_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  if (too_large) {
    return send_error_closing(res, 413, "the request body is larger than " + std::to_string(app.config.max_field_bytes) + " bytes");
  }
  if (!read && request_body_timed_out()) return send_error_closing(res, 408, slow_body_message(app));
  if (!read) return send_error_closing(res, 400, "the request body could not be read");

  simdjson::dom::parser parser;
  simdjson::dom::object request;
  const auto parse_error = parser.parse(body).get_object().get(request);
  if (parse_error != simdjson::SUCCESS) {
    return send_error(res, 400, std::string("the body is not a JSON object: ") + simdjson::error_message(parse_error));
  }
  NewTask task;
  task.source = "url";
  std::string_view url;
  if (request["url"].get_string().get(url) != simdjson::SUCCESS || url.empty()) {
    return send_error(res, 400, "\"url\" is required: the address of the file to analyse (http or https)");
  }
  if (url.size() > 8192) return send_error(res, 400, "\"url\" is longer than 8192 characters");
  task.url = std::string(url);

  simdjson::dom::element value;
  if (request["hash"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    std::string_view hash;
    if (value.get_string().get(hash) != simdjson::SUCCESS || hash_name_for_length(hash.size()) == nullptr ||
        hash.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
      return send_error(res, 400, "\"hash\" must be an MD5, SHA-1, SHA-256 or SHA-512 in hex (32, 40, 64 or 128 digits)");
    }
    task.url_hash = std::string(hash);
  }
  if (request["custom_data"].get(value) == simdjson::SUCCESS) task.custom_data = json_field(value);
  if (request["user_data"].get(value) == simdjson::SUCCESS) {
    task.user_data = json_field(value);
    if (!task.user_data) return send_error(res, 400, "user_data is not valid JSON");
  }
  // user_data.callback: its shape, report type and view, and the address policy for its URL.
  if (const std::string refusal = app.callbacks->check_submission(task.user_data); !refusal.empty()) {
    return send_error(res, 400, refusal);
  }
  // The seed spells it both ways; either is accepted.
  for (const char* key : {"custom_authorization_header", "custom_header_authorization"}) {
    if (request[key].get(value) != simdjson::SUCCESS || value.is_null()) continue;
    simdjson::dom::object headers;
    if (value.get_object().get(headers) != simdjson::SUCCESS) {
      return send_error(res, 400, std::string("\"") + key + "\" must be an object {\"Header-Name\": \"value\"}");
    }
    JsonOut out;
    out.begin_object();
    for (auto field : headers) {
      std::string_view header_value;
      if (!header_name_ok(field.key) || field.value.get_string().get(header_value) != simdjson::SUCCESS ||
          !header_value_ok(header_value)) {
        return send_error(res, 400, std::string("\"") + key + "\" must map header names to string values without line breaks");
      }
      out.field(field.key, header_value);
    }
    out.end_object();
    task.url_headers = out.take();
  }

  const std::string refusal = app.fetcher.check_url(task.url);
  if (!refusal.empty()) return send_error(res, 400, refusal);

  if (req.has_header("X-TiScale-Token")) {
    task.filter_token = strip_token_prefix(req.get_header_value("X-TiScale-Token"));
    if (task.filter_token.size() > 256) return send_error(res, 400, "X-TiScale-Token is longer than 256 characters");
  }
  task.direct_sender = req.remote_addr;
  task.forwarded_for = forwarded_for_json(req);

  if (!app.queue.reserve()) return send_error(res, 503, "the analysis queue is full; try again later");
  std::string error;
  const int64_t id = app.store.insert(task, now_ms(), error);
  if (id == 0) {
    app.queue.cancel_reservation();
    return send_error(res, 500, "cannot record the task: " + error);
  }
  app.queue.push_reserved(id);
  app.stats.record(Counter::FilesSubmitted);  // its bytes count once downloaded (analysis.cpp)
  send_task_url(app, req, res, id);
}

}  // namespace

void register_submit_url_route(RouteTable& server, App& app) {
  server.Post("/api/tiscale/v1/submit-url",
              [&app](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                handle_submit(app, req, res, reader);
              });
}

}  // namespace worker
