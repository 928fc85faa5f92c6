// route_table.h: every route the Worker serves, registered through one place.
//
// The register_* functions (routes.h) add their routes here instead of on httplib::Server directly.
// Each route is registered on the server and remembered as (method, pattern), so that
// `assay-worker --print-routes` lists exactly what is served -- the same calls, not a second,
// hand-kept list -- and tests/server/test_openapi.py can hold server/openapi.json to it.
//
// The methods have httplib::Server's names and overloads, so a register_* function reads as if it
// registered on the server itself. Used during start-up only, by one thread, before the server
// listens; the server must outlive the table.
#pragma once

#include <httplib.h>

#include <string>
#include <utility>
#include <vector>

namespace worker {

class RouteTable {
 public:
  struct Route {
    std::string method;   // "GET", "POST", ...
    std::string pattern;  // cpp-httplib's pattern: a regular expression over the path
  };
  using Handler = httplib::Server::Handler;
  using ReaderHandler = httplib::Server::HandlerWithContentReader;

  explicit RouteTable(httplib::Server& server) : server_(server) {}

  RouteTable& Get(const std::string& pattern, Handler handler) {
    return add("GET", pattern, [&] { server_.Get(pattern, std::move(handler)); });
  }
  RouteTable& Post(const std::string& pattern, Handler handler) {
    return add("POST", pattern, [&] { server_.Post(pattern, std::move(handler)); });
  }
  RouteTable& Post(const std::string& pattern, ReaderHandler handler) {
    return add("POST", pattern, [&] { server_.Post(pattern, std::move(handler)); });
  }
  RouteTable& Put(const std::string& pattern, Handler handler) {
    return add("PUT", pattern, [&] { server_.Put(pattern, std::move(handler)); });
  }
  RouteTable& Put(const std::string& pattern, ReaderHandler handler) {
    return add("PUT", pattern, [&] { server_.Put(pattern, std::move(handler)); });
  }
  RouteTable& Patch(const std::string& pattern, Handler handler) {
    return add("PATCH", pattern, [&] { server_.Patch(pattern, std::move(handler)); });
  }
  RouteTable& Delete(const std::string& pattern, Handler handler) {
    return add("DELETE", pattern, [&] { server_.Delete(pattern, std::move(handler)); });
  }
  RouteTable& Delete(const std::string& pattern, ReaderHandler handler) {
    return add("DELETE", pattern, [&] { server_.Delete(pattern, std::move(handler)); });
  }

  // Registration order; a route registered twice appears twice.
  const std::vector<Route>& routes() const { return routes_; }
  // For what is not a route (pre-routing, error and exception handlers, the logger).
  httplib::Server& server() { return server_; }

 private:
  template <class Register>
  RouteTable& add(const char* method, const std::string& pattern, Register&& do_register) {
    do_register();
    routes_.push_back({method, pattern});
    return *this;
  }

  httplib::Server& server_;
  std::vector<Route> routes_;
};

}  // namespace worker
