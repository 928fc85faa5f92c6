// retention.h: the background sweeper that enforces the retention limits (worker-api.md):
// reports expire "Task Age Limit" after processing, tasks still queued after the "Unprocessed Task
// Limit" are cancelled and their files deleted, and failed or cancelled records expire after the
// "File Age Limit". Reads already hide expired tasks, so the sweep interval only bounds how long
// expired rows take space, never what clients see.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace worker {

struct App;

class Sweeper {
 public:
  explicit Sweeper(App& app) : app_(app) {}
  ~Sweeper() { stop(); }
  void start();
  void stop();
  // One pass, now (also used at start).
  void sweep_once();

 private:
  App& app_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace worker
