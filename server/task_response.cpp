// task_response.cpp: see task_response.h.
#include "task_response.h"

#include "app.h"
#include "json_out.h"

namespace worker {

TaskResponse render_task_response(const App& app, int64_t id, const RenderRequest& rendering) {
  TaskResponse out;
  const std::optional<TaskRecord> task = app.store.get(id, now_ms(), app.config.retention);
  if (!task) {
    out.status = 404;
    out.error = "no task " + std::to_string(id);
    return out;
  }
  // Render first: a bad report type or field list is a 400 whatever state the task is in.
  RenderResult rendered = task->state == TaskState::Done ? app.engine.render(task->report, rendering)
                                                         : app.engine.validate(rendering);
  if (rendered.http_status != 200) {
    out.status = rendered.http_status;
    out.error = std::move(rendered.error);
    return out;
  }

  JsonOut j;
  j.reserve(rendered.json.size() + 512);
  j.begin_object();
  j.field("task_id", task->id);
  j.field("submitted", task->submitted_ms / 1000);
  j.key("processed");
  if (task->processed_ms) j.value(*task->processed_ms / 1000);
  else j.null();
  j.string_array("worker_ip", app.info.ips);
  j.string_array("worker_address", app.info.addresses);
  j.field("worker_hostname", app.info.hostname);
  j.field("direct_sender", task->direct_sender);
  j.key("forwarded_for").raw(task->forwarded_for.empty() ? "[]" : task->forwarded_for);
  // custom_data only once processed, and only if it was valid JSON (the store keeps nothing else).
  if (task->processed_ms && task->custom_data) j.key("custom_data").raw(*task->custom_data);
  j.key("tc_report");
  if (task->state == TaskState::Done) j.raw(rendered.json);
  else j.null();
  if (task->state == TaskState::Failed || task->state == TaskState::Cancelled) j.field("error", task->error);
  j.end_object();
  out.body = j.take();
  return out;
}

}  // namespace worker
