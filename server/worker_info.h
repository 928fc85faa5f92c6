// worker_info.h: the Worker's own addresses and names, for every task response (worker_ip,
// worker_address, worker_hostname). Gathered once at start: they describe the machine, not a task.
#pragma once

#include <string>
#include <vector>

#include "config.h"

namespace worker {

struct WorkerInfo {
  std::string hostname;
  std::vector<std::string> ips;        // interface addresses (loopback only when there is nothing else)
  std::vector<std::string> addresses;  // DNS names

  static WorkerInfo gather(const Config& config);
};

}  // namespace worker
