#pragma once
// What the end of a run warns about, for the controller's summary and for a
// standalone agent's alike: figures a reader should not take at face value
// (an agent that was saturated, latencies that are mostly the agents' own,
// sends still unanswered at the end).

#include <string>
#include <vector>

#include "throng/common/run_stats.hpp"

namespace throng {

// The busiest any agent was during the run.
struct agent_load {
  double max_cpu_percent = 0;  // of its worker threads: 100 means every worker was busy all the time
  double max_loop_lag_ms = 0;  // the latest any worker's event loop ran a timer
};

std::vector<std::string> load_warnings(const run_stats& total, const agent_load& load);

}  // namespace throng
