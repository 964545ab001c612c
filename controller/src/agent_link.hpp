#pragma once
// The controller's view of one connected agent.

#include <memory>

#include "control.pb.h"
#include "throng/common/ws_channel.hpp"
#include "throng/controller/planner.hpp"

namespace throng::controller {

struct agent_link {
  std::shared_ptr<ws_channel> channel;
  control::AgentHello hello;
  control::AgentStatus status;
  bool connected = true;
  bool in_run = false;
  user_share share;
  std::size_t group = 0;  // index into the scenario's groups
  // From its latest report, for the operators' agents table.
  std::uint32_t active_users = 0;
  double sends_per_s = 0;
  double loop_lag_ms = 0;
  double cpu_percent = 0;
};

}  // namespace throng::controller
