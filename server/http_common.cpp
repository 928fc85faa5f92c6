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
#include "connection.h"
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

// The Worker's answers are whole: cpp-httplib would cut every answer, error pages included, to the
// byte ranges of a Range header, keeping the status (a 404 in multipart/byteranges), and RFC 9110
// lets a server ignore Range. The Request is cpp-httplib's own mutable object; only the handler
// interface makes it const.
void ignore_ranges(const httplib::Request& req) { const_cast<httplib::Request&>(req).ranges.clear(); }

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
    case 416: return "the Range header is malformed (answers here are never partial)";
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
  // cpp-httplib inflates a gzip or brotli body into memory before the handler sees it, bounded
  // only by the compressed length: a megabyte of gzip can become a gigabyte. Only the streaming
  // routes, whose readers bound what they keep, take an encoded body.
  const std::string encoding = req.get_header_value("Content-Encoding");
  if (!streams_body(req) && !encoding.empty() && encoding != "identity") {
    send_error(res, 415, "request bodies here may not have a Content-Encoding (" + printable(encoding, 64) + ")");
    return true;
  }
  const std::string length = req.get_header_value("Content-Length");
  const bool chunked = req.has_header("Transfer-Encoding");
  const uint64_t declared = !chunked && length.size() < 19 ? std::strtoull(length.c_str(), nullptr, 10) : UINT64_MAX;
  if (streams_body(req)) {
    // Streaming routes check their own limit while reading; a declared length over it is refused
    // now: the upload's, or submit-url's JSON body, which is a field like any other.
    const uint64_t limit = req.path == "/api/tiscale/v1/upload" ? app.config.max_upload_bytes : app.config.max_field_bytes;
    if (chunked || declared <= limit) return false;
    send_error(res, 413, "the request body is larger than the limit of " + std::to_string(limit) + " bytes");
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
    ignore_ranges(req);
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

  server.set_error_handler(httplib::Server::HandlerWithResponse([&app](const httplib::Request& req, httplib::Response& res) {
    ignore_ranges(req);  // also for the answers that never reached the pre-routing handler (a bad Range: 416)
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 400 && request_body_timed_out()) {
      send_error_closing(res, 408, slow_body_message(app));
      return httplib::Server::HandlerResponse::Handled;
    }
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
  // ones the pre-routing and error handlers made included. (A connection whose request left a body
  // unread is closed after the answer, connections.h, so the rest of that body is not parsed into
  // further requests, each of which would count.)
  server.set_post_routing_handler([&app](const httplib::Request& req, httplib::Response& res) {
    if (request_started == std::chrono::steady_clock::time_point{}) {
      // A head cpp-httplib could not parse (400; 416 for a Range it cannot read): where the next
      // request would begin is unknown, so the connection closes after this answer; say so.
      res.headers.erase("Keep-Alive");
      res.set_header("Connection", "close");
      app.stats.record(Counter::GeneralUserFailure);
      return;
    }
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
