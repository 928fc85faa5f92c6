// http_util.cpp: see http_util.h.
#include "http_util.h"

#include <algorithm>
#include <array>

#include "app.h"
#include "json_out.h"
#include "net_policy.h"

namespace worker {
namespace {

// "1.2.3.4", "1.2.3.4:80", "::1", "[::1]:80" -> the address; "" when it is none of these.
std::string forwarded_address(const std::string& item) {
  std::string candidate = item;
  if (!candidate.empty() && candidate.front() == '[') {
    const size_t close = candidate.find(']');
    if (close == std::string::npos) return "";
    candidate = candidate.substr(1, close - 1);
  } else if (std::count(candidate.begin(), candidate.end(), ':') == 1) {
    candidate = candidate.substr(0, candidate.find(':'));
  }
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  return parse_ip(candidate, v6, bytes) ? candidate : "";
}

bool plausible_host(const std::string& host) {
  if (host.empty() || host.size() > 255) return false;
  for (char ch : host) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '-' || ch == ':' || ch == '[' || ch == ']' || ch == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void send_json(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

void send_error(httplib::Response& res, int status, std::string_view message) {
  send_json(res, status, json_message(message));
}

void send_error_closing(httplib::Response& res, int status, std::string_view message) {
  res.set_header("Connection", "close");
  send_error(res, status, message);
}

std::optional<std::string> query(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

std::optional<int64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + (ch - '0');
  }
  return value;
}

std::optional<bool> parse_flag(const std::string& text) {
  std::string lower;
  for (char ch : text) lower.push_back(static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch));
  if (lower == "1" || lower == "true") return true;
  if (lower == "0" || lower == "false") return false;
  return std::nullopt;
}

std::string base_url(const App& app, const httplib::Request& req) {
  if (!app.config.public_url.empty()) return app.config.public_url;
  std::string host = req.get_header_value("Host");
  if (!plausible_host(host)) {
    const bool v6 = req.local_addr.find(':') != std::string::npos;
    host = (v6 ? "[" + req.local_addr + "]" : req.local_addr) + ":" + std::to_string(req.local_port);
  }
  return app.scheme + "://" + host;
}

std::vector<std::string> forwarded_for(const httplib::Request& req) {
  std::vector<std::string> chain;
  const size_t headers = req.get_header_value_count("X-Forwarded-For");
  for (size_t h = 0; h < headers && chain.size() < 64; ++h) {
    const std::string value = req.get_header_value("X-Forwarded-For", h);
    size_t start = 0;
    while (start <= value.size() && chain.size() < 64) {
      const size_t comma = value.find(',', start);
      const std::string item = std::string(trim_blanks(std::string_view(value).substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      const std::string address = forwarded_address(item);
      if (!address.empty()) chain.push_back(address);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return chain;
}

std::string strip_token_prefix(std::string value) {
  value = std::string(trim_blanks(value));
  if (value.size() >= 6 && (value[0] == 'T' || value[0] == 't') && value.compare(1, 5, "oken ") == 0) {
    value = std::string(trim_blanks(std::string_view(value).substr(6)));
  }
  return value;
}

std::string forwarded_for_json(const httplib::Request& req) {
  JsonOut chain;
  chain.begin_array();
  for (const std::string& address : forwarded_for(req)) chain.value(address);
  chain.end_array();
  return chain.take();
}

void send_task_url(const App& app, const httplib::Request& req, httplib::Response& res, int64_t id) {
  JsonOut j;
  j.begin_object().field("task_url", base_url(app, req) + "/api/tiscale/v1/task/" + std::to_string(id)).end_object();
  send_json(res, 200, j.take());
}

std::string slow_body_message(const App& app) {
  return "the request body stopped arriving: nothing for read_timeout_s (" + std::to_string(app.config.read_timeout_s) +
         " s), or slower than min_body_rate_bytes_s (" + std::to_string(app.config.min_body_rate_bytes_s) + ")";
}

}  // namespace worker
