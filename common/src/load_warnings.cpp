#include "throng/common/load_warnings.hpp"

#include <fmt/format.h>

#include "throng/common/units.hpp"

namespace throng {

std::vector<std::string> load_warnings(const run_stats& total, const agent_load& load) {
  std::vector<std::string> out;
  // An agent that ran out of CPU measured its own queueing too: say so.
  if (load.max_cpu_percent >= 90 || load.max_loop_lag_ms >= 50)
    out.push_back(fmt::format(
        "an agent was saturated (CPU up to {:.0f}% of its worker threads, event-loop lag up to {:.0f}ms): "
        "latencies include the agent's own delay; use more agents or fewer users per agent",
        load.max_cpu_percent, load.max_loop_lag_ms));
  // A target faster than the agents' own wake-ups: the ack latency is mostly theirs.
  const auto& own = total.agent_added;
  const auto& ack = total.ack;
  if (own.count() && ack.count() && 2 * own.percentile(99) >= ack.percentile(99))
    out.push_back(fmt::format(
        "the agents' own part of the ack latency is {} of its p99 {}: these latencies say more about the agents "
        "than about the target (agent_added in the report); more agents or fewer users per agent lower it",
        format_duration(own.percentile(99)), format_duration(ack.percentile(99))));
  const auto& c = total.counters;
  if (c.sent > c.acked + c.errors)
    out.push_back(fmt::format("{} sends were not acknowledged by the end of the drain: the target fell "
                              "behind (a longer drain shows whether it catches up)",
                              c.sent - c.acked - c.errors));
  return out;
}

}  // namespace throng
