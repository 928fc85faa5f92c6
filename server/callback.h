// callback.h: task-completion callbacks (the seed's user_data.callback and the configured default).
//
// When a task ends (processed or failed) and `callback.enabled` is on, the task response -- exactly
// what GET /api/tiscale/v1/task/{id} answers with the callback's report_type and view
// (task_response.h) -- is POSTed as application/json to the callback URL. The uploader chooses the
// URL, type and view in user_data.callback; each one it leaves out comes from the configuration
// (callback.default_url, callback.report_type, callback.view). A 2xx answer is delivery; a failed
// connection or any other status is retried after callback.backoff_ms, doubling each time, up to
// callback.retries more attempts. Each outcome is reported once to the observer (the Service API's
// callback_success / callback_failure).
//
// Delivery is off the analysis threads: task_ended() only parses user_data and queues a job; a few
// sender threads render and post. The queue is bounded (callback.max_pending, retries waiting
// included); a job that does not fit is dropped, logged and reported as a failure.
//
// Address policy. A URL an uploader supplies must not make the Worker post into its own network,
// so it obeys the same AddressPolicy as submit-url (fetch.allow_networks): checked when the task is
// submitted (400), and again at every attempt, when the host is resolved, every address checked,
// and libcurl pinned to exactly those addresses (CURLOPT_RESOLVE) with each socket's address checked
// once more as it opens -- so a DNS answer that changes in between (rebinding) cannot slip past.
// Redirects are not followed; proxies from the environment are ignored. The configured default URL
// is the operator's and is trusted: no address check.
//
// Shutdown: stop() stops taking jobs and keeps delivering until the deadline (the rest of the
// shutdown grace); what is still pending then -- queued, waiting for a retry, or in flight (the
// transfer is aborted) -- is logged one line per callback and reported as a failure. Nothing is
// persisted: callbacks of a Worker that is killed outright are lost.
//
// Thread-safety: every method may be called from any thread; start() and stop() once each, by the
// thread that owns the Worker's start and stop.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net_policy.h"

namespace worker {

struct App;

// user_data.callback, as the uploader gave it; an empty field is absent (the default applies).
struct CallbackSpec {
  std::string url;
  std::optional<std::string> report_type, view;
};

// Parses the callback object of a user_data JSON text. Returns "" when user_data has a well-formed
// callback object (then `found` is true and `out` filled) or none at all (`found` false; user_data
// that is not a JSON object has none); otherwise the reason, naming the offending field. Checks the
// shape and the URL's syntax and scheme only (http or https; a URL without a scheme is http).
std::string parse_user_callback(std::string_view user_data, bool& found, CallbackSpec& out);

class CallbackSender {
 public:
  using Observer = std::function<void(bool delivered)>;

  // `observer` (may be empty) is called once per callback, from a sender thread (or from the
  // caller of task_ended() / stop() for a dropped one), so it must be thread-safe.
  CallbackSender(const App& app, const AddressPolicy& policy, Observer observer);
  ~CallbackSender();  // stops at once (dropping, with a log line each) if stop() was not called
  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  // The configured default report_type and view against the engine's; false with `error` set.
  bool check_config(std::string& error) const;

  // At submission: "" when the task may carry this user_data, else the reason for a 400. Beyond
  // parse_user_callback(): the report type and view must exist, and, when callbacks are enabled, a
  // URL must be known (given or configured) and a given URL's host must resolve only to allowed
  // addresses. (With callbacks off nothing is ever sent, so nothing is resolved.)
  std::string check_submission(const std::optional<std::string>& user_data) const;

  void start();

  // An analysis thread recorded task `id` as processed or failed: queue its callback, if any.
  void task_ended(int64_t id, const std::optional<std::string>& user_data);

  // Stops taking callbacks and delivers the pending ones until `deadline`; then aborts what is left,
  // logging each one. Returns once the sender threads have ended.
  void stop(std::chrono::steady_clock::time_point deadline);

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    int64_t task_id = 0;
    std::string url;
    bool trusted = false;  // the configured default URL: not subject to the address policy
    std::optional<std::string> report_type, view;
    int attempts = 0;      // made so far
    std::string origin;    // scheme://host:port, for the log (never the path, query or credentials)
  };
  enum class Outcome { Delivered, Retry, GiveUp, Aborted };

  void run();
  Outcome attempt(const Job& job, std::string& why);
  void report(const Job& job, bool delivered, const std::string& what);
  bool aborting() const;

  const App& app_;
  const AddressPolicy& policy_;
  Observer observer_;
  std::vector<std::thread> threads_;

  mutable std::mutex mutex_;  // guards everything below but aborted_
  std::condition_variable wake_;
  std::multimap<Clock::time_point, Job> pending_;  // by the time of their next attempt
  size_t in_flight_ = 0;
  bool stopping_ = false;  // no new jobs; threads end once nothing is pending
  bool stopped_ = false;   // stop() has run
  Clock::time_point deadline_{};
  std::atomic<bool> aborted_{false};  // the deadline passed: transfers in flight end now (read unlocked)
};

}  // namespace worker
