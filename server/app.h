// app.h: the long-lived parts of the Worker, made once in main() and shared by the HTTP handlers,
// the analysis threads and the sweeper. Each part is safe to use from any thread.
#pragma once

#include <atomic>
#include <string>

#include "auth.h"
#include "config.h"
#include "engine_host.h"
#include "fetch.h"
#include "spool.h"
#include "store.h"
#include "task_queue.h"
#include "worker_info.h"

namespace worker {

struct App {
  const Config& config;
  Store& store;
  TaskQueue& queue;
  const EngineHost& engine;
  const Spool& spool;
  const Auth& auth;
  const Fetcher& fetcher;
  const WorkerInfo& info;
  std::string scheme;  // "http" or "https": the task_url scheme when no public_url is set
  // The operating mode (Service API): while true, upload and submit-url answer 503 "paused".
  // Loaded from the store by register_service_routes().
  std::atomic<bool> paused{false};
};

}  // namespace worker
