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
};

}  // namespace throng::controller
