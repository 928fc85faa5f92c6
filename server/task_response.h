// task_response.h: the body of GET /api/tiscale/v1/task/{id}, in one place.
//
// The task route answers it and the callback sender POSTs it (user_data.callback), and a receiver
// must get exactly what a client polling the task would get with the same report_type and view;
// so both call this one function. Safe from any thread (it reads the store and renders with the
// shared engine).
#pragma once

#include <cstdint>
#include <string>

#include "engine_host.h"

namespace worker {

struct App;

struct TaskResponse {
  int status = 200;   // 200 with `body`; 404 (unknown or expired task) or the renderer's 400/500 with `error`
  std::string body;   // the JSON document
  std::string error;  // the message for the error body
};

TaskResponse render_task_response(const App& app, int64_t id, const RenderRequest& rendering);

}  // namespace worker
