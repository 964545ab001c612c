#pragma once
// throng-agent: a load agent. It dials the controller, receives a plan, runs
// that plan's virtual users against the target and reports every second.

#include <cstdint>
#include <string>
#include <vector>

namespace throng::agent {

struct agent_config {
  std::string controller_url = "ws://127.0.0.1:7700/agents";
  std::string token;                      // sent as "Authorization: Bearer <token>"
  std::string id;                         // default: <hostname>-<pid>
  std::string region = "local";
  unsigned threads = 0;                   // worker io_contexts; 0 = one per core
  std::uint32_t capacity_users = 20'000;  // announced to the controller's planner
  std::vector<std::string> allowed_targets;  // hosts beyond loopback a plan may target
  double controller_timeout_s = 15;       // give up connecting to the controller after this
  std::string metrics_host = "127.0.0.1";
  unsigned short metrics_port = 0;        // 0: no metrics listener
};

// Loopback addresses and "localhost" are always allowed; other hosts only when
// listed in allowed_targets: an agent fleet must not be aimed at anyone else.
bool target_allowed(const agent_config& config, const std::string& host);

// Runs until the controller ends the link, SIGINT/SIGTERM, or an error. A
// lost controller link stops any load at once: nobody is watching it.
// Returns an exit code from throng/common/exit_codes.hpp.
int run_agent(const agent_config& config);

}  // namespace throng::agent
