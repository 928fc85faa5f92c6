// analysis.cpp: what an analysis thread does with one task: claim it, fetch it (submit-url), scan
// the spooled file with the engine, store the report or the failure, delete the file.
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>

#include "app.h"
#include "log.h"
#include "sample_store.h"
#include "task_queue.h"

namespace worker {
namespace {

std::vector<std::pair<std::string, std::string>> parse_headers(const std::string& json) {
  std::vector<std::pair<std::string, std::string>> out;
  if (json.empty()) return out;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json).get_object().get(object) != simdjson::SUCCESS) return out;
  for (auto field : object) {
    std::string_view value;
    if (field.value.get_string().get(value) == simdjson::SUCCESS) out.emplace_back(field.key, value);
  }
  return out;
}

class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

void AnalysisPool::process(assay_scanner* scanner, int64_t id) {
  const auto started = std::chrono::steady_clock::now();
  const std::optional<ClaimedTask> task = app_.store.claim(id, now_ms());
  if (!task) return;  // deleted or cancelled while it waited
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.insert(id);
  }
  const bool from_url = task->source == "url";
  const std::string spool_name = from_url ? Spool::download_name(id) : task->spool_name;
  const std::string path = app_.spool.path(spool_name);
  std::string file_name = task->file_name;
  std::string failure;
  uint64_t size = 0;
  bool downloaded = false;  // submit-url: the whole file arrived (its bytes count as submitted)

  if (from_url) {
    // A new file for every attempt: a retry must not truncate one the sample store has linked.
    ::unlink(path.c_str());
    FdGuard out(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (out.get() < 0) {
      failure = "cannot create a spool file for the download";
    } else {
      const FetchResult fetched = app_.fetcher.download({task->url, parse_headers(task->url_headers), task->url_hash},
                                                        out.get());
      if (!fetched.ok) failure = fetched.error;
      downloaded = fetched.ok;
      if (file_name.empty()) file_name = fetched.file_name;
      size = fetched.size;
    }
  }

  assay_report* report = nullptr;
  if (failure.empty()) {
    FdGuard in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) {
      failure = "the spooled file is missing (deleted before analysis)";
    } else {
      const int status = assay_scan_fd(scanner, in.get(), file_name.c_str(), &report);
      if (status < 0) failure = std::string("analysis failed: ") + assay_scanner_last_error(scanner);
    }
  }
  const uint8_t* bytes = nullptr;
  size_t length = 0;
  if (failure.empty() && assay_report_save(report, &bytes, &length) != ASSAY_OK) {
    failure = std::string("cannot save the report: ") + assay_report_last_error(report);
  }
  const size_t objects = report != nullptr ? assay_report_object_count(report) : 0;
  const int verdict = report != nullptr ? assay_report_root_verdict(report) : 0;
  // For the statistics: the file's own bytes, and the objects unpacked from it (every non-root one).
  int64_t root_bytes = 0;
  int64_t unpacked_files = 0;
  int64_t unpacked_bytes = 0;
  for (size_t i = 0; failure.empty() && i < objects; ++i) {
    assay_object_info info{};
    info.struct_size = sizeof info;
    if (assay_report_object_info(report, i, &info) != ASSAY_OK) continue;
    if (info.parent < 0) {
      root_bytes += static_cast<int64_t>(info.size);
    } else {
      ++unpacked_files;
      unpacked_bytes += static_cast<int64_t>(info.size);
    }
  }

  // The sample store keeps the file (a hard link) before the spool deletes its name below.
  if (failure.empty() && app_.samples != nullptr) app_.samples->keep(report, path, file_name, now_ms());

  // Record the outcome and delete the file as one step against stop(): once stop() has given the
  // task back to the queue, this thread must not touch it (nor its file, which the retry needs).
  bool recorded = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.erase(id);
    if (!abandoned_) {
      recorded = failure.empty() ? app_.store.finish(id, bytes, length, now_ms()) : app_.store.fail(id, failure, now_ms());
      app_.spool.remove(spool_name);
    }
  }
  idle_.notify_all();
  assay_report_free(report);
  if (recorded) {  // not when dropped: a requeued task is counted when its retry ends
    if (failure.empty()) {
      app_.stats.record(Counter::FilesProcessed);
      app_.stats.record(Counter::BytesProcessed, root_bytes);
      app_.stats.record(Counter::FilesUnpacked, unpacked_files);
      app_.stats.record(Counter::BytesUnpacked, unpacked_bytes);
    } else {
      app_.stats.record(Counter::FileProcessingFailure);
    }
    if (downloaded) app_.stats.record(Counter::BytesSubmitted, static_cast<int64_t>(size));
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::string line = "task " + std::to_string(id);
  if (!recorded) {
    line += " dropped (deleted meanwhile or shutting down) " + std::to_string(ms) + "ms";
  } else if (failure.empty()) {
    line += " done " + std::to_string(ms) + "ms objects=" + std::to_string(objects) + " verdict=" + std::to_string(verdict);
  } else {
    line += " failed " + std::to_string(ms) + "ms: " + printable(failure);
  }
  if (from_url && size > 0) line += " downloaded=" + std::to_string(size);
  log_line(line);
  // The task has ended: its callback, if any, is queued here and sent by the callback threads.
  if (recorded && app_.callbacks != nullptr) app_.callbacks->task_ended(id, task->user_data);
}

}  // namespace worker
