// retro_hunt.cpp: see retro_hunt.h.
#include "retro_hunt.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "app.h"
#include "log.h"
#include "sample_store.h"

namespace worker {
namespace {

// Samples fetched from the store at a time; the cursor moves (one row write) once per page.
constexpr size_t kPageSize = 32;
// How often a paused hunt thread looks at the analysis queue again.
constexpr auto kLiveWorkPoll = std::chrono::milliseconds(10);

constexpr const char* kStarting = "STARTING";
constexpr const char* kRunning = "RUNNING";
constexpr const char* kCompleted = "COMPLETED";
constexpr const char* kStopped = "STOPPED";

using RuleList = std::vector<std::pair<std::string, std::string>>;  // (ruleset, rule), each once

int on_match(const assay_rule_match* match, void* user_data) {
  auto* found = static_cast<RuleList*>(user_data);
  std::pair<std::string, std::string> key{match->ruleset, match->rule};
  if (std::find(found->begin(), found->end(), key) == found->end()) found->push_back(std::move(key));
  return ASSAY_CALLBACK_CONTINUE;
}

// SCHED_IDLE: the thread runs only on a core nothing else wants, so live analyses are never queued
// behind it. Lowering one's own policy needs no privilege.
void lower_priority() {
  sched_param param{};
  param.sched_priority = 0;
  if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) != 0) {
    log_line("retro hunt thread: cannot switch to SCHED_IDLE; running at normal priority");
  }
}

}  // namespace

std::string iso_time(int64_t unix_ms) {
  const time_t seconds = static_cast<time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[128];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(unix_ms % 1000) * 1000);
  return text;
}

RetroHunt::RetroHunt(App& app, SampleStore& samples) : app_(app), samples_(samples) {}

bool RetroHunt::save(const HuntRow& hunt) {
  if (app_.store.save_hunt(hunt)) return true;
  log_line("retro hunt " + std::to_string(hunt.id) + ": cannot record its state " + hunt.state);
  return false;
}

void RetroHunt::recover() {
  const std::vector<HuntRow> hunts = app_.store.hunts(static_cast<size_t>(app_.config.retro_hunt.history));
  const bool resume = app_.config.retro_hunt.resume_on_start && samples_.enabled();
  for (size_t i = 0; i < hunts.size(); ++i) {
    HuntRow hunt = hunts[i];
    if (hunt.state != kStarting && hunt.state != kRunning) continue;
    if (i == 0 && resume) {
      log_line("retro hunt " + std::to_string(hunt.id) + " was interrupted after " + std::to_string(hunt.processed) +
               " sample(s): resuming");
      std::lock_guard<std::mutex> lock(mutex_);
      resume_ = hunt;
      continue;
    }
    hunt.state = kStopped;
    hunt.stopped_ms = now_ms();
    save(hunt);
    log_line("retro hunt " + std::to_string(hunt.id) + " was interrupted: recorded STOPPED");
  }
}

void RetroHunt::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (resume_ && !running_ && !shutting_down_) launch(*resume_);
  resume_.reset();
}

void RetroHunt::launch(HuntRow hunt) {
  current_ = std::move(hunt);
  processed_ = current_.processed;  // status() shows it from now on
  running_ = true;
  stop_requested_ = false;
  failed_ = false;
  coordinator_ = std::thread([this] { coordinate(); });
}

RetroHunt::StartOutcome RetroHunt::start_hunt(const std::optional<std::string>& username) {
  std::thread previous;  // the last hunt's coordinator, done with everything but returning
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_) return StartOutcome::AlreadyRunning;
    if (!samples_.enabled()) return StartOutcome::StoreOff;
    if (shutting_down_) return StartOutcome::Failed;
    HuntRow hunt;
    hunt.state = kStarting;
    hunt.started_ms = now_ms();
    hunt.started_username = username;
    hunt.id = app_.store.insert_hunt(hunt);
    if (hunt.id == 0) return StartOutcome::Failed;
    try {
      app_.store.prune_hunts(app_.config.retro_hunt.history);
    } catch (const std::exception& e) {
      log_line(std::string("retro hunt: ") + e.what());
    }
    log_line("retro hunt " + std::to_string(hunt.id) + " started");
    previous = std::move(coordinator_);
    launch(std::move(hunt));
  }
  if (previous.joinable()) previous.join();
  return StartOutcome::Started;
}

std::optional<std::string> RetroHunt::stop_hunt(const std::optional<std::string>& username) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!running_) {
    lock.unlock();
    const std::vector<HuntRow> newest = app_.store.hunts(1);
    if (newest.empty()) return std::nullopt;
    return newest[0].state;
  }
  if (!stop_requested_) {
    stop_requested_ = true;
    stop_ms_ = now_ms();
    stop_username_ = username;
  }
  changed_.notify_all();
  changed_.wait(lock, [this] { return !running_; });
  return current_.state;
}

void RetroHunt::shutdown() {
  std::thread coordinator;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutting_down_ = true;
    coordinator = std::move(coordinator_);
  }
  changed_.notify_all();
  if (coordinator.joinable()) coordinator.join();
}

std::vector<HuntRow> RetroHunt::status(size_t limit) {
  std::vector<HuntRow> hunts = app_.store.hunts(limit);
  std::lock_guard<std::mutex> lock(mutex_);
  if (running_ && !hunts.empty() && hunts[0].id == current_.id) {
    hunts[0].state = current_.state;
    hunts[0].samples = current_.samples;
    hunts[0].processed = processed_.load();
  }
  return hunts;
}

bool RetroHunt::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_requested_ || shutting_down_ || failed_;
}

void RetroHunt::coordinate() {
  HuntRow hunt;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hunt = current_;
  }
  try {
    if (hunt.state == kStarting) {
      // What the hunt covers: the samples kept up to its start, within the budgets as they are now.
      samples_.enforce_budgets(now_ms());
      hunt.samples = app_.store.count_samples(hunt.started_ms);
    }
    hunt.state = kRunning;
  } catch (const std::exception& e) {
    log_line(std::string("retro hunt: ") + e.what());
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    current_.state = hunt.state;
    current_.samples = hunt.samples;
    processed_ = hunt.processed;
    batches_.clear();
    first_batch_ = 0;
    fetched_after_ = hunt.cursor;
    exhausted_ = false;
    if (!failed_) save(current_);
  }

  const int64_t configured = app_.config.retro_hunt.threads;
  const int64_t count =
      configured > 0 ? configured : std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (int64_t i = 0; i < count; ++i) threads.emplace_back([this] { hunt_thread(); });
  for (std::thread& t : threads) t.join();

  {
    std::lock_guard<std::mutex> lock(mutex_);
    HuntRow& end = current_;
    if (stop_requested_ || failed_) {
      end.state = kStopped;
      end.stopped_ms = stop_requested_ ? stop_ms_ : now_ms();
      end.stopped_username = stop_requested_ ? stop_username_ : std::nullopt;
      end.processed = processed_.load();
    } else if (!shutting_down_) {
      end.state = kCompleted;
      end.stopped_ms = now_ms();
      end.processed = processed_.load();
    }
    // Shutting down: the row keeps RUNNING with its cursor, for the next start to resume.
    save(end);
    log_line("retro hunt " + std::to_string(end.id) + " " + (shutting_down_ && end.state == kRunning ? "paused for shutdown" : end.state) +
             ": " + std::to_string(processed_.load()) + " of " + std::to_string(end.samples) + " sample(s) processed");
    running_ = false;
  }
  changed_.notify_all();
}

std::optional<RetroHunt::Item> RetroHunt::next_item() {
  std::lock_guard<std::mutex> lock(mutex_);
  while (!(stop_requested_ || shutting_down_ || failed_)) {
    if (!batches_.empty() && batches_.back().handed_out < batches_.back().samples.size()) {
      Batch& batch = batches_.back();
      return Item{first_batch_ + batches_.size() - 1, batch.samples[batch.handed_out++]};
    }
    if (exhausted_) return std::nullopt;
    std::vector<SampleRow> page = app_.store.sample_page(fetched_after_, current_.started_ms, kPageSize);
    if (page.empty()) {
      exhausted_ = true;
      return std::nullopt;
    }
    fetched_after_ = page.back().sha256;
    batches_.push_back(Batch{std::move(page), 0, 0});
  }
  return std::nullopt;
}

void RetroHunt::complete(const Item& item) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++processed_;
  ++batches_[item.batch - first_batch_].done;
  bool moved = false;
  // The cursor moves past a page only when all of it is done, so it never passes a sample in flight.
  while (!batches_.empty() && batches_.front().done == batches_.front().samples.size()) {
    current_.cursor = batches_.front().samples.back().sha256;
    current_.processed += static_cast<int64_t>(batches_.front().samples.size());
    batches_.pop_front();
    ++first_batch_;
    moved = true;
  }
  if (moved) save(current_);
}

void RetroHunt::wait_for_live_work() {
  while (app_.queue.size() > 0 && !stopping()) std::this_thread::sleep_for(kLiveWorkPoll);
}

void RetroHunt::hunt_thread() {
  lower_priority();
  assay_scanner* scanner = nullptr;
  if (assay_scanner_new(&scanner, app_.engine.engine()) != ASSAY_OK) {
    log_line("retro hunt thread: cannot make a scanner");
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
    return;
  }
  int64_t hunt_id = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hunt_id = current_.id;
  }
  const auto throttle = std::chrono::milliseconds(app_.config.retro_hunt.throttle_ms);
  try {
    while (const std::optional<Item> item = next_item()) {
      wait_for_live_work();
      RuleList found;
      const int fd = ::open(samples_.path_of(item->sample.sha256).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {  // a sample evicted since the hunt listed it has nothing left to match
        const int status = assay_scan_rules_fd(scanner, fd, item->sample.file_name.c_str(), 0, on_match, &found);
        ::close(fd);
        if (status < 0) {
          log_line("retro hunt: sample " + item->sample.sha256 + ": " + assay_scanner_last_error(scanner));
        }
      }
      if (!found.empty() && !app_.store.add_matches(hunt_id, item->sample.sha256, found)) {
        throw std::runtime_error("cannot record the matches of sample " + item->sample.sha256);
      }
      complete(*item);
      if (throttle.count() > 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, throttle, [this] { return stop_requested_ || shutting_down_ || failed_; });
      }
    }
  } catch (const std::exception& e) {
    log_line(std::string("retro hunt stopped by an error: ") + e.what());
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
  }
  assay_scanner_free(scanner);
}

}  // namespace worker
