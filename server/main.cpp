// main.cpp: assay-worker's start and stop.
//
// Start: flags and configuration, the data directory, the store (and its recovery after a crash),
// the engine, the analysis threads, the sweeper, then the listening socket, so the Worker answers
// only once it can do what it answers. Stop (SIGTERM or SIGINT): the HTTP server stops taking
// connections and finishes the requests in flight, the analysis threads finish their files (tasks
// still queued stay queued in the store), and analyses that outlast the grace period are put back
// in the queue for the next start; pending callbacks go out in what is left of the grace, and each
// one that cannot is logged. --print-routes starts as far as registering the routes, prints them
// and exits, before recovery touches the store and before anything listens.
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "app.h"
#include "connections.h"
#include "log.h"
#include "retention.h"
#include "retro_hunt.h"
#include "routes.h"
#include "sample_store.h"

namespace {

using namespace worker;

int fail(const std::string& message, int status = 1) {
  std::fprintf(stderr, "assay-worker: %s\n", message.c_str());
  return status;
}

// mkdir -p.
bool make_dirs(const std::string& path, std::string& error) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    const std::string prefix = path.substr(0, i);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      error = "cannot create " + prefix + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

void widen_backlog(httplib::Server& server) {
  if (auto* tls = dynamic_cast<GatedServer<httplib::SSLServer>*>(&server)) tls->widen_backlog();
  else if (auto* plain = dynamic_cast<GatedServer<httplib::Server>*>(&server)) plain->widen_backlog();
}

// cpp-httplib parses and routes; the connections (accepting aside) are connections.h's, which
// keeps slow clients from holding the request threads.
std::unique_ptr<httplib::Server> make_server(const Config& config, GateAnswered answered, std::string& error) {
  ConnectionSettings settings;
  settings.threads = static_cast<size_t>(config.http_threads);
  settings.limits.read_timeout = std::chrono::seconds(config.read_timeout_s);
  settings.limits.write_timeout = std::chrono::seconds(config.write_timeout_s);
  settings.limits.keep_alive_timeout = std::chrono::seconds(config.keep_alive_timeout_s);
  settings.limits.keep_alive_max_requests = static_cast<size_t>(config.keep_alive_max_requests);
  settings.limits.min_body_rate = config.min_body_rate_bytes_s;
  std::unique_ptr<httplib::Server> server;
  if (!config.tls.cert_file.empty()) {
    server = std::make_unique<GatedServer<httplib::SSLServer>>(settings, std::move(answered), config.tls.cert_file.c_str(),
                                                              config.tls.key_file.c_str());
    if (!server->is_valid()) {
      error = "cannot load the TLS certificate " + config.tls.cert_file + " and key " + config.tls.key_file;
      return nullptr;
    }
  } else {
    server = std::make_unique<GatedServer<httplib::Server>>(settings, std::move(answered));
  }
  // The Keep-Alive answer header quotes these.
  server->set_keep_alive_timeout(static_cast<time_t>(config.keep_alive_timeout_s));
  server->set_keep_alive_max_count(static_cast<size_t>(config.keep_alive_max_requests));
  server->set_payload_max_length(static_cast<size_t>(config.max_upload_bytes) + 64 * 1024);  // + multipart framing
  server->set_tcp_nodelay(true);  // small JSON answers must not wait for Nagle
  return server;
}

// Every route the Worker serves, in one sequence that both serving and --print-routes run, so the
// printed list is what is served. 0, or the exit status with `error` set.
int register_routes(RouteTable& routes, App& app, std::string& error) {
  register_common(routes.server(), app);
  register_task_routes(routes, app);
  register_yara_routes(routes, app);
  register_upload_route(routes, app);
  register_submit_url_route(routes, app);
  try {
    register_service_routes(routes, app);
  } catch (const std::exception& e) {
    error = std::string("reading the operating mode: ") + e.what();
    return 1;
  }
  if (!register_license_routes(routes, app, error)) return 2;
  register_stats_routes(routes, app);
  register_retro_routes(routes, app);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Termination signals are blocked in every thread (all are created after this) and taken by one
  // thread with sigwait(), so stopping runs as ordinary code, not in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up is an error on its socket, not our death

  Overrides overrides;
  bool help = false;
  bool version = false;
  std::string error;
  if (!parse_args(argc, argv, overrides, help, version, error)) {
    std::fprintf(stderr, "assay-worker: %s\n%s", error.c_str(), usage_text());
    return 2;
  }
  if (help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (version) {
    std::printf("assay-worker %s (engine ABI %d)\n", assay_version(), assay_abi_version());
    return 0;
  }
  Config config;
  if (!load_config(overrides, config, error)) return fail(error, 2);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return fail("cannot initialise libcurl");

  if (!make_dirs(config.data_dir, error)) return fail(error);
  char resolved[PATH_MAX];
  if (::realpath(config.data_dir.c_str(), resolved) == nullptr) return fail("data directory " + config.data_dir + ": " + std::strerror(errno));
  config.data_dir = resolved;
  Spool spool(config.data_dir + "/spool");
  if (!spool.init(error)) return fail(error);
  std::unique_ptr<Store> store = Store::open(config.data_dir + "/assay.sqlite", config.durable_sync, error);
  if (!store) return fail(error);
  if (!store->start_task_ids_at(config.task_id_start, error)) return fail(error);
  std::unique_ptr<EngineHost> engine = EngineHost::create(config, error);
  if (!engine) return fail(error, 2);  // limits, rules or report types the configuration named
  for (const std::string& line : engine->rule_problems()) log_line(printable(line, 2000));
  AddressPolicy policy;
  if (!policy.init(config.fetch.allow_networks, error)) return fail(error, 2);
  const Fetcher fetcher(config.fetch, policy);
  const Auth auth(config.tokens);
  const WorkerInfo info = WorkerInfo::gather(config);
  TaskQueue queue(static_cast<size_t>(config.queue_capacity));
  Stats stats(*store, config.stats);
  if (!stats.load(error)) return fail(error);
  const DiskHealth health(spool.dir(), config.health.max_disk_usage_percent);
  const int analysis_threads =
      config.analysis_threads > 0 ? config.analysis_threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  App app{config, *store, queue, *engine, spool, auth, fetcher, info, stats, health,
          config.tls.cert_file.empty() ? "http" : "https"};
  // Each callback's outcome counts in the Service API statistics (callback_success / _failure).
  CallbackSender callbacks(app, policy, [&stats](bool delivered) {
    stats.record(delivered ? Counter::CallbackSuccess : Counter::CallbackFailure);
  });
  if (!callbacks.check_config(error)) return fail(error, 2);
  app.callbacks = &callbacks;
  SampleStore samples(config.sample_store, *store, config.data_dir + "/samples", config.durable_sync);
  RetroHunt retro(app, samples);
  app.samples = &samples;
  app.retro = &retro;

  if (overrides.print_routes) {
    // After everything the routes use exists, before recovery touches the store or anything listens.
    httplib::Server scratch;
    RouteTable printed(scratch);
    if (const int status = register_routes(printed, app, error); status != 0) return fail(error, status);
    for (const RouteTable::Route& route : printed.routes()) std::printf("%s %s\n", route.method.c_str(), route.pattern.c_str());
    return 0;
  }

  AnalysisPool pool(app, analysis_threads);
  Sweeper sweeper(app);
  try {
    pool.recover();
    sweeper.sweep_once();
    if (!samples.init(error)) return fail(error);
    retro.recover();
  } catch (const std::exception& e) {
    return fail(std::string("recovering the task store: ") + e.what());
  }
  // What the connection gate answers itself (408, 414, 431, 400 for ambiguous framing, 503 beyond
  // the connection limit) is logged and counted like every other answer.
  GateAnswered answered = [&app](int status, const std::string& peer, const std::string& why) {
    app.stats.record(status >= 500 ? Counter::GeneralServiceFailure : Counter::GeneralUserFailure);
    if (app.config.log_requests) log_line("request - - " + std::to_string(status) + " - peer=" + peer + " (" + why + ")");
  };
  std::unique_ptr<httplib::Server> server = make_server(config, std::move(answered), error);
  if (!server) return fail(error, 2);
  RouteTable routes(*server);
  if (const int status = register_routes(routes, app, error); status != 0) return fail(error, status);
  int port = config.listen_port;
  if (port == 0) {
    port = server->bind_to_any_port(config.listen_host);
    if (port < 0) return fail("cannot listen on " + config.listen_host + ": " + std::strerror(errno));
  } else if (!server->bind_to_port(config.listen_host, port)) {
    return fail("cannot listen on " + config.listen_host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  }
  widen_backlog(*server);
  callbacks.start();
  pool.start();
  sweeper.start();
  samples.start();
  retro.start();
  stats.start([&queue] { return static_cast<int64_t>(queue.size()); });

  // Static: the detached thread may still look at it while main() returns.
  static std::atomic<bool> listen_returned{false};
  std::thread([&server, stop_signals] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    log_line(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
    // A stop() that lands before listen_after_bind() has started is forgotten (the listen loop sets
    // its own running flag), so a signal right after start would be lost: wait until the server runs
    // or has given up.
    while (!server->is_running() && !listen_returned.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    server->stop();
  }).detach();

  const bool v6 = config.listen_host.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + config.listen_host + "]" : config.listen_host;
  const std::string rules_id = engine->rules_id();
  log_line("assay-worker " + std::string(assay_version()) + " listening on " + app.scheme + "://" + host + ":" +
           std::to_string(port) + " (data " + config.data_dir + ", " + std::to_string(analysis_threads) +
           " analysis threads, rules " + (rules_id.empty() ? "none" : rules_id) + ")");
  const bool listened = server->listen_after_bind();
  listen_returned.store(true);

  const auto grace_ends = std::chrono::steady_clock::now() + std::chrono::seconds(config.shutdown_grace_s);
  retro.shutdown();  // a running hunt stays RUNNING in the store, resumed at the next start
  samples.stop();
  sweeper.stop();
  const bool finished = pool.stop(std::chrono::seconds(config.shutdown_grace_s));
  // Callbacks of the tasks that just ended go out in what is left of the grace; the rest are logged.
  callbacks.stop(grace_ends);
  stats.stop();  // after the analyses and callbacks, so their counts are written too
  if (!finished) {
    // The abandoned analyses are back in the queue; their threads cannot be interrupted, so the
    // process ends here (the store is consistent: every change so far is committed).
    log_line("stopped; analyses still running were requeued");
    std::fflush(nullptr);
    ::_exit(0);
  }
  log_line(listened ? "stopped" : "stopped: the HTTP server failed");
  server.reset();
  curl_global_cleanup();
  return listened ? 0 : 1;
}
