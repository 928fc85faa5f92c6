// task_queue.cpp: the bounded queue, and the analysis threads' life: recovery, start, stop.
// What one thread does with one task is in analysis.cpp.
#include "task_queue.h"

#include <string>

#include "app.h"
#include "log.h"

namespace worker {

bool TaskQueue::reserve() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_ || ids_.size() + reserved_ >= capacity_) return false;
  ++reserved_;
  return true;
}

void TaskQueue::cancel_reservation() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reserved_ > 0) --reserved_;
}

void TaskQueue::push_reserved(int64_t id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (reserved_ > 0) --reserved_;
    ids_.push_back(id);
  }
  ready_.notify_one();
}

void TaskQueue::push_recovered(int64_t id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ids_.push_back(id);
  }
  ready_.notify_one();
}

std::optional<int64_t> TaskQueue::pop() {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait(lock, [&] { return closed_ || !ids_.empty(); });
  if (closed_) return std::nullopt;
  const int64_t id = ids_.front();
  ids_.pop_front();
  return id;
}

void TaskQueue::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

size_t TaskQueue::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ids_.size();
}

AnalysisPool::~AnalysisPool() {
  for (std::thread& t : pool_) {
    if (t.joinable()) t.detach();
  }
}

void AnalysisPool::recover() {
  const Recovery r = app_.store.recover(now_ms());
  for (int64_t id : r.failed) {
    log_line("task " + std::to_string(id) + " failed: interrupted twice during analysis, not retried again");
  }
  for (int64_t id : r.retried) log_line("task " + std::to_string(id) + " was interrupted during analysis: retrying once");
  for (const std::string& name : r.spool_to_delete) app_.spool.remove(name);
  for (int64_t id : r.queued) app_.queue.push_recovered(id);
  // Files no task refers to: written by an upload that died before its task was recorded.
  const size_t orphans = app_.spool.remove_orphans(app_.store.referenced_spool_names());
  if (!r.queued.empty() || orphans > 0) {
    log_line("recovered " + std::to_string(r.queued.size()) + " queued task(s); removed " + std::to_string(orphans) +
             " orphaned spool file(s)");
  }
}

void AnalysisPool::start() {
  for (int i = 0; i < threads_; ++i) pool_.emplace_back([this, i] { run(i); });
}

void AnalysisPool::run(int /*index*/) {
  assay_scanner* scanner = nullptr;
  if (assay_scanner_new(&scanner, app_.engine.engine()) != ASSAY_OK) {
    log_line("analysis thread cannot make a scanner; it stops");
    return;
  }
  while (const std::optional<int64_t> id = app_.queue.pop()) {
    try {
      process(scanner, *id);
    } catch (const std::exception& e) {
      // A store error: the task stays as the store has it (queued or running) and is recovered at
      // the next start; keep serving the others.
      log_line("task " + std::to_string(*id) + " error: " + e.what());
    }
  }
  assay_scanner_free(scanner);
}

bool AnalysisPool::stop(std::chrono::seconds grace) {
  app_.queue.close();
  std::unique_lock<std::mutex> lock(mutex_);
  if (!idle_.wait_for(lock, grace, [&] { return running_.empty(); })) {
    for (int64_t id : running_) {
      if (app_.store.requeue(id)) log_line("task " + std::to_string(id) + " requeued: analysis did not end in time");
    }
    abandoned_ = true;
    return false;
  }
  lock.unlock();
  for (std::thread& t : pool_) t.join();
  pool_.clear();
  return true;
}

}  // namespace worker
