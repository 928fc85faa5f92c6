// admission.h: whether the Worker takes new files now, one answer for upload, submit-url and
// GET /srv/tiscale/v1/available, so the three never disagree.
//
// In order, the first that applies: the operating mode is paused (503 "paused"); the disks are
// fuller than health.max_disk_usage_percent (503 "not healthy"); license.enforce is on and the
// license status is not VALID (503, the message names the status). A full queue is not here: it is
// a property of one upload's reservation, answered by the upload itself.
#pragma once

#include <optional>
#include <string>

namespace worker {

struct App;

struct Refusal {
  int status = 503;
  std::string message;
};

// nullopt: new files are taken. `count` true for a refused submission (upload, submit-url): the
// "not healthy" case is counted in the not_available statistic; false for a probe (available).
std::optional<Refusal> refuse_new_files(App& app, bool count);

}  // namespace worker
