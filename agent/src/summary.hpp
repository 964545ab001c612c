#pragma once
// The end of a standalone run: the tables a person reads on stdout and, with
// --summary-json, the same measurements for a script. One process or many
// (merged by the parent) end the same way.

#include <string>

#include "throng/agent/agent.hpp"
#include "throng/common/run_stats.hpp"

namespace throng::agent {

// Prints `headline` and the tables; writes config.summary_json when set.
// Returns `exit_code`, or exit_aborted when the JSON cannot be written.
int finish_standalone(const agent_config& config, const run_stats& total, const std::string& headline, int exit_code);

}  // namespace throng::agent
