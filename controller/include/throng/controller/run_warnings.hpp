#pragma once
// What the end-of-run summary warns about: figures a reader should not take
// at face value (an agent that was saturated, latencies that are mostly the
// agents' own, sends still unanswered at the end).

#include <string>
#include <vector>

#include "throng/controller/output.hpp"

namespace throng::controller {

std::vector<std::string> run_warnings(const run_summary& s);

}  // namespace throng::controller
