#pragma once
// `throng plan`: what a scenario asks of the target and of the agents,
// before running it. Peak concurrency by Little's law for arrival-rate
// executors (arrival rate x mean session), sends and fan-out deliveries per
// second from the room law, and the agents needed at a given capacity.

#include <cstdint>
#include <string>
#include <vector>

#include "throng/controller/scenario.hpp"

namespace throng::controller {

struct group_estimate {
  std::string tag;
  double peak_users = 0;         // concurrent
  double sends_per_s = 0;        // at the peak
  double members_per_send = 0;   // expected room size a send reaches (fan-out)
  double deliveries_per_s = 0;
  double hottest_room_members = 0;
  std::uint64_t agents_needed = 0;
};

struct scenario_estimate {
  std::vector<group_estimate> groups;
  double peak_users = 0, sends_per_s = 0, deliveries_per_s = 0;
  std::uint64_t agents_needed = 0;
};

scenario_estimate estimate(const scenario& s, std::uint64_t users_per_agent);
std::string format_estimate(const scenario& s, const scenario_estimate& e, std::uint64_t users_per_agent);

}  // namespace throng::controller
