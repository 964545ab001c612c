#include "throng/controller/run_warnings.hpp"

#include "throng/common/load_warnings.hpp"

namespace throng::controller {

std::vector<std::string> run_warnings(const run_summary& s) {
  return load_warnings(s.total, {s.max_agent_cpu_percent, s.max_loop_lag_ms});
}

}  // namespace throng::controller
