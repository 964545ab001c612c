#pragma once
// Many lightweight agents in one process that speak the control protocol:
// each says hello, reports READY to its plan, and after Start sends one
// report per second (`sent` = its user count, one e2e sample per user) until
// the plan's duration is over. For testing the controller at thousands of
// agents without thousands of processes.

#include <cstdint>
#include <string>

namespace throng::test {

struct swarm_result {
  unsigned connected = 0;   // agents that completed the WebSocket handshake
  unsigned planned = 0;     // agents that received a plan
  unsigned finished = 0;    // agents that sent their final report
  std::uint64_t users = 0;  // users the plans gave them, together
};

// Runs `agents` agents against ws://127.0.0.1:port/agents until the
// controller closes every link, or `timeout_s` passes.
swarm_result run_control_swarm(unsigned short port, const std::string& token, unsigned agents, double timeout_s);

}  // namespace throng::test
