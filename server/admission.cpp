// admission.cpp: see admission.h.
#include "admission.h"

#include "app.h"
#include "routes.h"

namespace worker {

std::optional<Refusal> refuse_new_files(App& app, bool count) {
  if (app.paused.load()) return Refusal{503, "paused"};  // the operating mode (Service API)
  if (!app.health.healthy()) {
    if (count) app.stats.record(Counter::NotAvailable);
    return Refusal{503, "not healthy"};  // the seed's words; the log line says which disk and how full
  }
  if (app.config.license.enforce) {
    const std::string status = license_status(app);
    // 503, not 403 (the request's credentials are fine) nor 402 (which the seeds never use and
    // clients do not expect): the Worker cannot take files until its license is fixed, a state of
    // the service, like paused. Clients already treat 503 as "this Worker does not take files now".
    if (status != "VALID") {
      return Refusal{503, "license status is " + status + ": this Worker takes no new files until a valid license is applied "
                          "(license.enforce is on)"};
    }
  }
  return std::nullopt;
}

}  // namespace worker
