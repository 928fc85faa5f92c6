// app.h: the long-lived parts of the Worker, made once in main() and shared by the HTTP handlers,
// the analysis threads and the sweeper. Each part is safe to use from any thread.
#pragma once

#include <atomic>
#include <string>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "engine_host.h"
#include "fetch.h"
#include "health.h"
#include "spool.h"
#include "stats.h"
#include "store.h"
#include "task_queue.h"
#include "worker_info.h"

namespace worker {

class SampleStore;
class RetroHunt;

struct App {
  const Config& config;
  Store& store;
  TaskQueue& queue;
  const EngineHost& engine;
  const Spool& spool;
  const Auth& auth;
  const Fetcher& fetcher;
  const WorkerInfo& info;
  Stats& stats;               // the Service API statistics (record() from anywhere)
  const DiskHealth& health;   // "not healthy": the disks are fuller than configured
  std::string scheme;  // "http" or "https": the task_url scheme when no public_url is set
  // The operating mode (Service API): while true, upload and submit-url answer 503 "paused".
  // Loaded from the store by register_service_routes().
  std::atomic<bool> paused{false};
  // Task-completion callbacks (callback.h): checks user_data at submission, sends when a task ends.
  // Set by main() right after the App is made (it needs the App), before any request or analysis.
  CallbackSender* callbacks = nullptr;
  // The sample store and local retro hunting (sample_store.h, retro_hunt.h); set by main() like
  // `callbacks`. The store is there when off too (enabled() says which).
  SampleStore* samples = nullptr;
  RetroHunt* retro = nullptr;
};

}  // namespace worker
