// routes_stats.cpp: GET /srv/tiscale/v1/stats, the Service API's processing statistics (stats.h),
// in the seed's shape: "timeframes" names the windows, and every other field is an array with one
// value per window. Authorized with the service token family, like every /srv/tiscale/ path.
#include <charconv>

#include "app.h"
#include "http_util.h"
#include "json_out.h"
#include "routes.h"

namespace worker {
namespace {

// The one queue's name, as sysinfo gives it in max_queue_name.
constexpr const char* kQueueName = "tiscale_hagent_input";

// Integrations this Worker does not have: the seed lists their counters, always zero here.
constexpr const char* kAbsentIntegrations[] = {
    "s3_unpacked_success", "s3_report_upload", "s3_upload",    "s3_unpacked_failure", "s3_upload_failure",
    "s3_report_upload_failure", "sns_success", "sns_failure", "splunk_success",      "splunk_failure",
};

// The counters shown as they are (the queue's raw sums are shown as means instead).
constexpr Counter kShown[] = {
    Counter::UploadSuccess,         Counter::UploadFailure,      Counter::FilesSubmitted,
    Counter::BytesSubmitted,        Counter::FilesProcessed,     Counter::BytesProcessed,
    Counter::FilesUnpacked,         Counter::BytesUnpacked,      Counter::FileProcessingFailure,
    Counter::GeneralUserFailure,    Counter::GeneralServiceFailure, Counter::NotAvailable,
    Counter::CallbackSuccess,       Counter::CallbackFailure,
};

// The shortest text that reads back as `v`, always with a fraction or exponent, so that clients
// parsing the seed's <float> get a float even for a whole number.
std::string float_text(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";  // means are never NaN nor infinite
  return text;
}

void send_stats(App& app, httplib::Response& res) {
  const StatsSnapshot s = app.stats.snapshot();
  JsonOut j;
  j.begin_object();
  j.key("timeframes").begin_array();
  for (const char* name : kWindowNames) j.value(name);
  j.end_array();
  for (Counter counter : kShown) {
    j.key(counter_name(counter)).begin_array();
    for (size_t w = 0; w < kWindowCount; ++w) j.value(s.get(counter, w));
    j.end_array();
  }
  // One queue: it is the largest in every window, and its mean is the largest mean.
  for (const char* key : {"mean_queue_size", "max_mean_queue_size"}) {
    j.key(key).begin_array();
    for (size_t w = 0; w < kWindowCount; ++w) j.raw(float_text(s.mean_queue_size(w)));
    j.end_array();
  }
  j.key("max_mean_queue_name").begin_array();
  for (size_t w = 0; w < kWindowCount; ++w) j.value(kQueueName);
  j.end_array();
  for (const char* key : kAbsentIntegrations) {
    j.key(key).begin_array();
    for (size_t w = 0; w < kWindowCount; ++w) j.value(int64_t{0});
    j.end_array();
  }
  j.end_object();
  send_json(res, 200, j.take());
}

}  // namespace

void register_stats_routes(RouteTable& server, App& app) {
  server.Get("/srv/tiscale/v1/stats", [&app](const httplib::Request&, httplib::Response& res) { send_stats(app, res); });
}

}  // namespace worker
