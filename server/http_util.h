// http_util.h: helpers every route uses: JSON responses, query parameters, the request's own URL
// base, the forwarding chain.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace worker {

struct App;

void send_json(httplib::Response& res, int status, std::string body);
// Every error answers JSON {"message": ...}.
void send_error(httplib::Response& res, int status, std::string_view message);
// The same, and the connection closes after it: for errors before or while a body is read, which
// leave unread bytes on the connection.
void send_error_closing(httplib::Response& res, int status, std::string_view message);

// A query parameter as given (URL-decoded), or nullopt when absent.
std::optional<std::string> query(const httplib::Request& req, const char* name);

// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_blanks(std::string_view s);

// ASCII case-insensitive equality, as HTTP compares header names and tokens.
bool equals_ignoring_case(std::string_view a, std::string_view b);

// Parses a non-negative decimal integer (no sign, no spaces, at most 18 digits).
std::optional<int64_t> parse_count(const std::string& text);
// "1"/"true" and "0"/"false", any case.
std::optional<bool> parse_flag(const std::string& text);

// "<scheme>://<host>" for task_url: the configured public URL, else the request's Host header
// (when it is a plausible host[:port]), else the address the request came in on.
std::string base_url(const App& app, const httplib::Request& req);

// The X-Forwarded-For chain, original sender first: every well-formed address of every such header,
// in order (ports and brackets removed, anything else skipped).
std::vector<std::string> forwarded_for(const httplib::Request& req);

// The X-Forwarded-For chain as the JSON array a task stores.
std::string forwarded_for_json(const httplib::Request& req);

// Answers a newly accepted task: 200 {"task_url": "<base>/api/tiscale/v1/task/<id>"}.
void send_task_url(const App& app, const httplib::Request& req, httplib::Response& res, int64_t id);

// The value of an X-TiScale-Token header or token parameter, without a leading "Token ".
std::string strip_token_prefix(std::string value);

// The message of a 408 for a request body that stopped arriving (connection.h: request_body_timed_out),
// naming the settings that decided it.
std::string slow_body_message(const App& app);

}  // namespace worker
