#pragma once
// The end of a standalone run: the tables a person reads on stdout and, with
// --summary-json, the same measurements for a script. One process or many
// (merged by the parent) end the same way.

#include <cstdint>
#include <optional>
#include <string>

#include "throng/agent/agent.hpp"
#include "throng/common/load_warnings.hpp"
#include "throng/common/run_stats.hpp"

namespace throng::agent {

// The plan's initial users, from the first connect attempt until every one
// of them is welcomed and has joined its rooms (or has given up): how fast
// this process brought its users in.
struct connect_phase {
  std::uint64_t connected = 0;
  std::uint64_t failed = 0;
  double seconds = 0;
};
// "10000 users connected and joined in 0.821 s (12181/s)", and how many could not, if any.
std::string describe(const connect_phase& phase);

// Prints `headline`, the connect phase when known (one process), the tables
// and what not to take at face value (load_warnings, from the totals and the
// busiest window's `load`); writes config.summary_json when set. Returns
// `exit_code`, or exit_aborted when the JSON cannot be written.
int finish_standalone(const agent_config& config, const run_stats& total, const agent_load& load,
                      const std::optional<connect_phase>& connects, const std::string& headline, int exit_code);

}  // namespace throng::agent
