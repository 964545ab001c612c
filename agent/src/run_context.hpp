#pragma once
// What every virtual user of one run shares: the plan, the resolved target,
// the clock offset and the start instant. Written by the control thread
// before users read it, or through atomics.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "control.pb.h"
#include "throng/common/net.hpp"
#include "throng/common/url.hpp"

namespace throng::agent {

struct run_context {
  control::Plan plan;
  ws_url target;
  std::vector<tcp::endpoint> endpoints;
  std::vector<std::uint32_t> room_members;  // members of each room across the whole run
  std::int64_t send_interval_ns = 0;         // per user; 0 = listen only

  std::atomic<std::int64_t> clock_offset_ns{0};  // controller - agent; refreshed during the run
  std::atomic<std::int64_t> start_local_ns{0};   // agent clock; 0 until Start
  std::atomic<bool> stopping{false};

  std::string room_name(std::uint32_t room) const { return plan.room_prefix() + std::to_string(room); }
  std::uint32_t room_of(std::uint64_t user) const { return static_cast<std::uint32_t>(user % plan.rooms()); }
};

}  // namespace throng::agent
