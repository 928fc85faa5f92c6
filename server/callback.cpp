// callback.cpp: see callback.h.
#include "callback.h"

#include <curl/curl.h>
#include <netdb.h>
#include <simdjson.h>
#include <sys/socket.h>

#include <algorithm>
#include <exception>
#include <memory>

#include "app.h"
#include "log.h"
#include "task_response.h"

namespace worker {
namespace {

constexpr size_t kMaxUrlLength = 8192;
constexpr int64_t kMaxBackoffMs = 10 * 60 * 1000;  // the doubling stops growing here

// A callback URL taken apart by libcurl's own parser, so what is checked is what libcurl uses.
struct Target {
  std::string url;  // normalised (a scheme added when there was none)
  std::string scheme, host, port;
  std::string origin() const {
    const bool v6 = host.find(':') != std::string::npos;
    return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + port;
  }
};

std::string parse_target(std::string_view text, Target& out) {
  if (text.size() > kMaxUrlLength) return "longer than " + std::to_string(kMaxUrlLength) + " characters";
  // The seed's own example is a bare "example.com:8080": without a scheme, http is meant.
  out.url = text.find("://") == std::string_view::npos ? "http://" + std::string(text) : std::string(text);
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u) return "out of memory";
  if (curl_url_set(u.get(), CURLUPART_URL, out.url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return "not a valid URL";
  }
  auto get = [&](CURLUPart part, unsigned flags, std::string& dest) {
    char* value = nullptr;
    if (curl_url_get(u.get(), part, &value, flags) != CURLUE_OK) return false;
    dest = value;
    curl_free(value);
    return true;
  };
  std::string zone;
  if (!get(CURLUPART_SCHEME, 0, out.scheme) || (out.scheme != "http" && out.scheme != "https")) {
    return "only http and https URLs are accepted";
  }
  if (!get(CURLUPART_HOST, 0, out.host) || out.host.empty()) return "the URL has no host";
  if (get(CURLUPART_ZONEID, 0, zone)) return "IPv6 zone identifiers are not accepted";
  if (out.host.front() == '[' && out.host.back() == ']') out.host = out.host.substr(1, out.host.size() - 2);
  if (!get(CURLUPART_PORT, CURLU_DEFAULT_PORT, out.port)) out.port = std::string(out.scheme == "https" ? "443" : "80");
  return "";
}

std::optional<std::string> non_empty(const std::optional<std::string>& given, const std::string& fallback) {
  if (given) return given;
  if (!fallback.empty()) return fallback;
  return std::nullopt;
}

// What one transfer's callbacks need.
struct Transfer {
  const AddressPolicy* policy = nullptr;  // null for the trusted default URL
  const std::atomic<bool>* aborted = nullptr;
  std::string refused;
};

curl_socket_t open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) {
    t->refused = "unexpected socket type";
    return CURL_SOCKET_BAD;
  }
  if (t->policy != nullptr) {
    const std::string why = t->policy->refusal(&address->addr);
    if (!why.empty()) {
      t->refused = why + " is not allowed";
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->aborted->load() ? 1 : 0;  // non-zero ends the transfer
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

std::string parse_user_callback(std::string_view user_data, bool& found, CallbackSpec& out) {
  found = false;
  out = CallbackSpec{};
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(user_data.data(), user_data.size()).get_object().get(root) != simdjson::SUCCESS) return "";
  simdjson::dom::element value;
  if (root["callback"].get(value) != simdjson::SUCCESS || value.is_null()) return "";
  simdjson::dom::object callback;
  if (value.get_object().get(callback) != simdjson::SUCCESS) {
    return "user_data.callback must be an object {\"url\", \"report_type\", \"view\"}";
  }
  found = true;
  for (auto field : callback) {
    std::optional<std::string>* slot = nullptr;
    std::optional<std::string> url;
    if (field.key == "url") slot = &url;
    else if (field.key == "report_type") slot = &out.report_type;
    else if (field.key == "view") slot = &out.view;
    else return "user_data.callback: unknown field \"" + printable(field.key, 64) + "\" (expected url, report_type, view)";
    if (field.value.is_null()) continue;
    std::string_view text;
    if (field.value.get_string().get(text) != simdjson::SUCCESS) {
      return "user_data.callback." + std::string(field.key) + " must be a string";
    }
    if (!text.empty()) *slot = std::string(text);
    if (slot == &url && url) {
      Target target;
      const std::string why = parse_target(*url, target);
      if (!why.empty()) return "user_data.callback.url: " + why;
      out.url = *url;
    }
  }
  return "";
}

CallbackSender::CallbackSender(const App& app, const AddressPolicy& policy, Observer observer)
    : app_(app), policy_(policy), observer_(std::move(observer)) {}

CallbackSender::~CallbackSender() {
  bool stopped = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped = stopped_;
  }
  if (!stopped) stop(Clock::now());
}

bool CallbackSender::check_config(std::string& error) const {
  const CallbackConfig& c = app_.config.callback;
  const RenderResult r = app_.engine.validate(RenderRequest{non_empty(std::nullopt, c.report_type),
                                                            non_empty(std::nullopt, c.view), {}, {}, {}, {}});
  if (r.http_status != 200) {
    error = "callback.report_type / callback.view: " + r.error;
    return false;
  }
  if (!c.default_url.empty()) {
    Target target;
    const std::string why = parse_target(c.default_url, target);
    if (!why.empty()) {
      error = "callback.default_url: " + why;
      return false;
    }
  }
  return true;
}

std::string CallbackSender::check_submission(const std::optional<std::string>& user_data) const {
  if (!user_data) return "";
  bool found = false;
  CallbackSpec spec;
  std::string why = parse_user_callback(*user_data, found, spec);
  if (!why.empty() || !found) return why;
  const CallbackConfig& c = app_.config.callback;
  const RenderResult r = app_.engine.validate(RenderRequest{non_empty(spec.report_type, c.report_type),
                                                            non_empty(spec.view, c.view), {}, {}, {}, {}});
  if (r.http_status != 200) return "user_data.callback: " + r.error;
  if (!c.enabled) return "";
  if (spec.url.empty()) {
    return c.default_url.empty() ? "user_data.callback has no url and this Worker has no default callback URL" : "";
  }
  Target target;
  why = parse_target(spec.url, target);
  if (why.empty()) why = resolve_checked(policy_, target.host, target.port, "send a callback to").refusal;
  return why.empty() ? "" : "user_data.callback.url: " + why;
}

void CallbackSender::start() {
  const int64_t threads = app_.config.callback.enabled ? app_.config.callback.threads : 0;
  for (int64_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

void CallbackSender::task_ended(int64_t id, const std::optional<std::string>& user_data) {
  const CallbackConfig& c = app_.config.callback;
  if (!c.enabled) return;
  bool found = false;
  CallbackSpec spec;
  if (user_data && !parse_user_callback(*user_data, found, spec).empty()) {
    // Checked at submission, so only a Worker upgraded with stricter rules gets here.
    log_line("callback for task " + std::to_string(id) + " skipped: user_data.callback is no longer valid");
    return;
  }
  Job job;
  job.task_id = id;
  job.trusted = spec.url.empty();
  job.url = job.trusted ? c.default_url : spec.url;
  if (job.url.empty()) return;  // no callback asked for and no default one
  job.report_type = non_empty(spec.report_type, c.report_type);
  job.view = non_empty(spec.view, c.view);
  Target target;
  job.origin = parse_target(job.url, target).empty() ? target.origin() : std::string("an invalid URL");

  std::string refused;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) refused = "the Worker is stopping";
    else if (pending_.size() + in_flight_ >= static_cast<size_t>(c.max_pending)) {
      refused = std::to_string(c.max_pending) + " callbacks are pending already (callback.max_pending)";
    } else {
      pending_.emplace(Clock::now(), std::move(job));
    }
  }
  if (refused.empty()) {
    wake_.notify_one();
    return;
  }
  report(job, false, "dropped: " + refused);
}

bool CallbackSender::aborting() const { return aborted_.load(); }

void CallbackSender::report(const Job& job, bool delivered, const std::string& what) {
  if (observer_) observer_(delivered);  // first, so that once the line is logged the outcome is counted
  log_line("callback for task " + std::to_string(job.task_id) + " to " + job.origin + " " + what);
}

CallbackSender::Outcome CallbackSender::attempt(const Job& job, std::string& why) {
  // Rendered anew at each attempt rather than kept between them, so the pending queue holds no
  // reports; a task deleted (or expired) meanwhile ends its callback.
  TaskResponse answer = render_task_response(app_, job.task_id, RenderRequest{job.report_type, job.view, {}, {}, {}, {}});
  if (answer.status == 404) {
    why = "the task was deleted before its callback was sent";
    return Outcome::GiveUp;
  }
  if (answer.status != 200) {
    why = "cannot render the task: " + answer.error;
    return Outcome::GiveUp;
  }
  Target target;
  why = parse_target(job.url, target);
  if (!why.empty()) return Outcome::GiveUp;
  std::string pin;
  if (!job.trusted) {
    const CheckedResolution resolved = resolve_checked(policy_, target.host, target.port, "send a callback to");
    why = resolved.refusal;
    if (!why.empty()) return resolved.lookup_failed ? Outcome::Retry : Outcome::GiveUp;
    pin = resolved.pin;
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    why = "cannot start a transfer";
    return Outcome::Retry;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> pins(
      pin.empty() ? nullptr : curl_slist_append(nullptr, pin.c_str()), curl_slist_free_all);
  curl_slist* header_list = curl_slist_append(nullptr, "Content-Type: application/json");
  header_list = curl_slist_append(header_list, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(header_list, curl_slist_free_all);
  Transfer t;
  t.policy = job.trusted ? nullptr : &policy_;
  t.aborted = &aborted_;
  char curl_error[CURL_ERROR_SIZE] = {};
  const long timeout_ms = static_cast<long>(app_.config.callback.timeout_s * 1000);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  if (pins) curl_easy_setopt(c, CURLOPT_RESOLVE, pins.get());
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, answer.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(answer.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "assay-worker");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_ABORTED_BY_CALLBACK && aborting()) {
    why = "aborted at shutdown";
    return Outcome::Aborted;
  }
  if (!t.refused.empty()) {
    why = "refusing to send a callback to " + target.host + ": " + t.refused;
    return Outcome::GiveUp;
  }
  if (rc != CURLE_OK) {
    why = std::string("failed: ") + (curl_error[0] != '\0' ? curl_error : curl_easy_strerror(rc));
    return Outcome::Retry;
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code >= 300) {
    why = "answered HTTP " + std::to_string(code);
    return Outcome::Retry;
  }
  return Outcome::Delivered;
}

void CallbackSender::run() {
  const CallbackConfig& c = app_.config.callback;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (aborted_.load()) return;
    if (pending_.empty()) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    const auto first = pending_.begin();
    if (first->first > Clock::now()) {
      // A copy: wait_until reads its deadline again after waking, by which time another sender
      // thread may have taken (and freed) this entry.
      const Clock::time_point due = first->first;
      wake_.wait_until(lock, due);  // or earlier, for a new job or stop()
      continue;
    }
    Job job = std::move(first->second);
    pending_.erase(first);
    ++in_flight_;
    lock.unlock();

    ++job.attempts;
    std::string why;
    Outcome outcome = Outcome::Retry;
    try {
      outcome = attempt(job, why);
    } catch (const std::exception& e) {  // the store failing a read: worth another try
      why = std::string("failed: ") + e.what();
    }
    const std::string attempts = std::to_string(job.attempts) + (job.attempts == 1 ? " attempt" : " attempts");
    std::string line;  // the outcome to report, if final
    bool delivered = false;
    if (outcome == Outcome::Delivered) {
      delivered = true;
      line = "delivered after " + attempts;
    } else if (outcome == Outcome::Aborted) {
      line = "dropped at shutdown: the attempt in flight was " + why;
    } else if (outcome == Outcome::GiveUp || job.attempts > c.retries) {
      line = "failed after " + attempts + ": " + why;
    }

    lock.lock();
    --in_flight_;
    if (line.empty()) {
      const int64_t delay_ms = std::min(kMaxBackoffMs, c.backoff_ms << std::min(job.attempts - 1, 30));
      const Clock::time_point due = Clock::now() + std::chrono::milliseconds(delay_ms);
      if (stopping_ && due > deadline_) {
        line = "dropped at shutdown after " + attempts + " (" + why + "): the next one was due after the shutdown grace";
      } else {
        lock.unlock();
        log_line("callback for task " + std::to_string(job.task_id) + " to " + job.origin + " " + why + "; retrying in " +
                 std::to_string(delay_ms) + " ms");
        lock.lock();
        pending_.emplace(due, std::move(job));
      }
    }
    if (!line.empty()) {
      lock.unlock();
      report(job, delivered, line);
      lock.lock();
    }
    wake_.notify_all();  // stop() waits for the queue to drain
  }
}

void CallbackSender::stop(Clock::time_point deadline) {
  std::vector<Job> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    deadline_ = deadline;
    // Retries due after the deadline cannot be made in time: say so now rather than at the deadline.
    for (auto it = pending_.upper_bound(deadline); it != pending_.end(); it = pending_.erase(it)) {
      dropped.push_back(std::move(it->second));
    }
  }
  wake_.notify_all();
  for (const Job& job : dropped) report(job, false, "dropped at shutdown: its next attempt was due after the shutdown grace");
  dropped.clear();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool drained = !threads_.empty() &&
                         wake_.wait_until(lock, deadline, [this] { return pending_.empty() && in_flight_ == 0; });
    if (!drained) {
      aborted_.store(true);  // transfers in flight end at their next progress call
      for (auto& entry : pending_) dropped.push_back(std::move(entry.second));
      pending_.clear();
    }
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  for (const Job& job : dropped) report(job, false, "dropped at shutdown: not delivered within the shutdown grace");
}

}  // namespace worker
