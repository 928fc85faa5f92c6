// worker_info.cpp: see worker_info.h.
#include "worker_info.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "net_policy.h"

namespace worker {
namespace {

std::vector<std::string> interface_addresses() {
  std::vector<std::string> global, loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return global;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) continue;
    if (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6) continue;
    const std::string text = address_text(i->ifa_addr);
    if (text.empty() || text.rfind("fe80:", 0) == 0) continue;  // link-local: meaningless elsewhere
    auto& into = (i->ifa_flags & IFF_LOOPBACK) != 0 ? loopback : global;
    if (std::find(into.begin(), into.end(), text) == into.end()) into.push_back(text);
  }
  freeifaddrs(list);
  return global.empty() ? loopback : global;
}

// The host's canonical DNS name. The resolver may hang on a machine without DNS, so the lookup
// runs on its own thread and is abandoned after two seconds.
std::vector<std::string> dns_names(const std::string& hostname) {
  auto result = std::make_shared<std::promise<std::string>>();
  std::future<std::string> name = result->get_future();
  std::thread([hostname, result] {
    addrinfo hints{};
    hints.ai_flags = AI_CANONNAME;
    addrinfo* found = nullptr;
    std::string canonical;
    if (getaddrinfo(hostname.c_str(), nullptr, &hints, &found) == 0) {
      if (found != nullptr && found->ai_canonname != nullptr) canonical = found->ai_canonname;
      freeaddrinfo(found);
    }
    result->set_value(canonical);
  }).detach();
  std::vector<std::string> out;
  if (name.wait_for(std::chrono::seconds(2)) == std::future_status::ready) {
    const std::string canonical = name.get();
    if (!canonical.empty()) out.push_back(canonical);
  }
  if (out.empty() || out.front() != hostname) out.push_back(hostname);
  return out;
}

}  // namespace

WorkerInfo WorkerInfo::gather(const Config& config) {
  WorkerInfo info;
  info.hostname = config.worker_hostname;
  if (info.hostname.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) info.hostname = name;
  }
  info.ips = interface_addresses();
  info.addresses = config.worker_address ? *config.worker_address : dns_names(info.hostname);
  return info;
}

}  // namespace worker
