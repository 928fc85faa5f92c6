// task_queue.h: the bounded queue of task ids and the pool of analysis threads it feeds.
//
// The queue is only a window onto the store: a task is written to SQLite (state queued) before its
// id is pushed here, so losing the queue (a crash) loses nothing; at start, recover() requeues what
// the store says is queued, retries once what was running, and fails what was running twice. The
// bound is on new work: an upload that finds the queue full gets 503 before it is read.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "assay.h"

namespace worker {

struct App;

class TaskQueue {
 public:
  explicit TaskQueue(size_t capacity) : capacity_(capacity) {}

  // Reserves a place for a task about to be accepted; false when the queue is full.
  bool reserve();
  void cancel_reservation();
  // Pushes an accepted task into its reserved place.
  void push_reserved(int64_t id);
  // Pushes a task found queued at start, whatever the bound (it was accepted before).
  void push_recovered(int64_t id);
  // The next task; blocks; nullopt once closed.
  std::optional<int64_t> pop();
  // Wakes every pop() with nullopt; the ids still queued stay queued in the store.
  void close();
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<int64_t> ids_;
  size_t capacity_;
  size_t reserved_ = 0;
  bool closed_ = false;
};

class AnalysisPool {
 public:
  AnalysisPool(App& app, int threads) : app_(app), threads_(threads) {}
  ~AnalysisPool();

  // Recovers the store after a stop or a crash and queues what is to be done. Call before start().
  void recover();
  void start();
  // Stops taking tasks and waits up to `grace` for the analyses in flight. Those still running then
  // are put back in the queue (state queued, the attempt not counted) and false is returned: their
  // threads are abandoned and the caller must end the process without waiting for them.
  bool stop(std::chrono::seconds grace);

 private:
  void run(int index);
  void process(assay_scanner* scanner, int64_t id);  // analysis.cpp

  App& app_;
  int threads_;
  std::vector<std::thread> pool_;
  std::mutex mutex_;  // guards running_ and abandoned_, and makes "finish, then delete the file" atomic against stop()
  std::condition_variable idle_;
  std::set<int64_t> running_;
  bool abandoned_ = false;
};

}  // namespace worker
