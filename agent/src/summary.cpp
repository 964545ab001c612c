#include "summary.hpp"

#include <fstream>
#include <iostream>

#include "throng/common/exit_codes.hpp"
#include "throng/common/stats_json.hpp"

namespace throng::agent {

int finish_standalone(const agent_config& config, const run_stats& total, const std::string& headline, int exit_code) {
  std::cout << "\n" << headline << "\n\n" << format_stats_tables(total) << "\n" << format_stats_details(total.counters) << std::flush;
  if (config.summary_json.empty()) return exit_code;
  const nlohmann::json doc = {{"completed", exit_code == exit_ok},
                              {"summary", headline},
                              {"totals", counters_json(total.counters)},
                              {"latency", latencies_json(total)}};
  std::ofstream out(config.summary_json);
  out << doc.dump(2) << "\n";
  if (!out) {
    std::cerr << "throng-agent: cannot write --summary-json " << config.summary_json << "\n";
    return exit_code ? exit_code : exit_aborted;
  }
  return exit_code;
}

}  // namespace throng::agent
