// http_common.cpp: what applies to every request: authorization (before any body is read), JSON
// bodies for the errors cpp-httplib produces itself (unknown route, malformed request, body too
// large), exceptions turned into 500, the statistics' counts of answers, and one log line per request.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "admission.h"
#include "app.h"
#include "http_util.h"
#include "log.h"
#include "routes.h"

namespace worker {
namespace {

// When the current request's routing began, per connection thread (cpp-httplib serves a request
// on one thread from routing to logging); zero when no request is being timed.
thread_local std::chrono::steady_clock::time_point request_started{};

// Routes that stream their body through a ContentReader, each under its own limit. For every other
// request cpp-httplib would read the whole body into memory before routing, so those bodies are
// refused above max_field_bytes before a byte of them is read.
bool streams_body(const httplib::Request& req) {
  return req.method == "POST" && (req.path == "/api/tiscale/v1/upload" || req.path == "/api/tiscale/v1/submit-url");
}

bool has_body(const httplib::Request& req) {
  return (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0") ||
         req.has_header("Transfer-Encoding");
}

const char* default_message(int status) {
  switch (status) {
    case 400: return "bad request";
    case 401: return "authorization required";
    case 403: return "forbidden";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "the request body is too large";
    case 414: return "the request URI is too long";
    case 415: return "unsupported content encoding";
    case 503: return "service unavailable";
    default: return status >= 500 ? "internal server error" : "request failed";
  }
}

// What can be refused from the headers alone: a missing or wrong token (401/403), and a body larger
// than the route takes. True when `res` holds the refusal.
bool refuse_from_headers(App& app, const httplib::Request& req, httplib::Response& res) {
  const AuthResult result =
      app.auth.check(Auth::family_of(req.path), req.has_header("Authorization"), req.get_header_value("Authorization"));
  if (result == AuthResult::Missing) {
    res.set_header("WWW-Authenticate", "Token");
    send_error(res, 401, "authorization required: send the header \"Authorization: Token <token>\"");
    return true;
  }
  if (result != AuthResult::Open && result != AuthResult::Granted) {
    send_error(res, 403, "the authorization token is not valid");
    return true;
  }
  if (!has_body(req)) return false;
  const std::string length = req.get_header_value("Content-Length");
  const bool chunked = req.has_header("Transfer-Encoding");
  const uint64_t declared = !chunked && length.size() < 19 ? std::strtoull(length.c_str(), nullptr, 10) : UINT64_MAX;
  if (streams_body(req)) {
    // Streaming routes check their own limit while reading; a declared length over it is refused now.
    if (chunked || declared <= app.config.max_upload_bytes) return false;
    send_error(res, 413, "the request body is larger than the limit of " + std::to_string(app.config.max_upload_bytes) + " bytes");
    return true;
  }
  if (declared <= app.config.max_field_bytes) return false;
  send_error(res, 413, "request bodies here are limited to " + std::to_string(app.config.max_field_bytes) +
                           " bytes (and must have a Content-Length)");
  return true;
}

}  // namespace

void register_common(httplib::Server& server, App& app) {
  server.set_pre_routing_handler([&app](const httplib::Request& req, httplib::Response& res) {
    request_started = std::chrono::steady_clock::now();
    if (!refuse_from_headers(app, req, res)) return httplib::Server::HandlerResponse::Unhandled;
    // Refused before the body is read: ask the client to close rather than have it send (or us
    // misparse) the body.
    if (has_body(req)) res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });

  // A client that sends "Expect: 100-continue" (curl does for bodies over 1 MiB) waits for our go
  // before sending the body: every refusal known from the headers, and an upload the Worker would
  // refuse anyway (paused, not healthy, no license), is answered now, and the body never travels.
  server.set_expect_100_continue_handler([&app](const httplib::Request& req, httplib::Response& res) {
    request_started = std::chrono::steady_clock::now();
    bool refused = refuse_from_headers(app, req, res);
    if (!refused && streams_body(req)) {
      if (const std::optional<Refusal> refusal = refuse_new_files(app, true)) {
        send_error(res, refusal->status, refusal->message);
        refused = true;
      }
    }
    if (!refused) return 100;
    // cpp-httplib 0.11 writes this early answer without a Content-Length of its own; without one a
    // keep-alive client could not tell where the JSON ends.
    res.set_header("Content-Length", std::to_string(res.body.size()));
    return res.status;
  });

  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = default_message(res.status);
    if (res.status == 404) message += ": " + printable(req.path, 200);
    send_error(res, res.status, message);
    return httplib::Server::HandlerResponse::Handled;
  }));

  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log_line("error in " + req.method + " " + printable(req.path) + ": " + printable(what));
    res.set_header("Connection", "close");
    send_error(res, 500, "internal error: " + what);
  });

  // Counted for the statistics before the answer is written (a client that reads its answer and
  // then asks for the statistics finds it counted); cpp-httplib calls this for every response, the
  // ones the pre-routing and error handlers made included. Not counted: answers to what never
  // reached the pre-routing handler. After a refusal that leaves a body unread, cpp-httplib parses
  // the rest of that body as further requests and answers each line with a 400; counting those
  // would make one refused upload many user failures.
  server.set_post_routing_handler([&app](const httplib::Request& req, httplib::Response& res) {
    if (request_started == std::chrono::steady_clock::time_point{}) return;
    if (res.status >= 500) app.stats.record(Counter::GeneralServiceFailure);
    else if (res.status >= 400) app.stats.record(Counter::GeneralUserFailure);
    if (streams_body(req)) app.stats.record(res.status == 200 ? Counter::UploadSuccess : Counter::UploadFailure);
  });

  server.set_logger([&app](const httplib::Request& req, const httplib::Response& res) {
    const auto started = request_started;
    request_started = {};
    if (!app.config.log_requests) return;
    std::string ms = "-";
    if (started != std::chrono::steady_clock::time_point{}) {
      const auto elapsed = std::chrono::steady_clock::now() - started;
      ms = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
    }
    log_line("request " + printable(req.method, 16) + " " + printable(req.path, 256) + " " + std::to_string(res.status) +
             " " + ms + "ms peer=" + req.remote_addr);
  });
}

}  // namespace worker
