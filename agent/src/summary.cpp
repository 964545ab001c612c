#include "summary.hpp"

#include <iomanip>
#include <iostream>

#include <fmt/format.h>

#include "throng/common/clock.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/result_file.hpp"
#include "throng/common/stats_json.hpp"

namespace throng::agent {

std::string describe(const connect_phase& phase) {
  const double rate = phase.seconds > 0 ? static_cast<double>(phase.connected) / phase.seconds : 0;
  std::string text = fmt::format("{} users connected and joined in {:.3f} s ({:.0f}/s)", phase.connected, phase.seconds, rate);
  if (phase.failed) text += fmt::format("; {} could not", phase.failed);
  return text;
}

int finish_standalone(const agent_config& config, const run_stats& total, const agent_load& load,
                      const std::optional<connect_phase>& connects, const std::string& headline, int exit_code) {
  // What the run cost on this host: this process and the agent processes it waited for.
  const double cpu = static_cast<double>(cpu_time_ns(true)) / 1e9;
  std::cout << "\n" << headline << "\n";
  if (connects) std::cout << "  " << describe(*connects) << "\n";
  std::cout << "\n" << format_stats_tables(total) << "\n" << format_stats_details(total.counters)
            << "  agent cpu " << std::fixed << std::setprecision(2) << cpu << " s (user + system, connects and drain included)\n";
  const auto warnings = load_warnings(total, load);
  for (const auto& w : warnings) std::cout << "  warning: " << w << "\n";
  std::cout << std::flush;
  if (config.summary_json.empty()) return exit_code;
  nlohmann::json doc = {{"completed", exit_code == exit_ok},
                        {"summary", headline},
                        {"agent_cpu_s", cpu},
                        {"max_agent_cpu_percent", load.max_cpu_percent},
                        {"max_loop_lag_ms", load.max_loop_lag_ms},
                        {"warnings", warnings},
                        {"totals", counters_json(total.counters)},
                        {"latency", latencies_json(total)}};
  if (connects)
    doc["connect_phase"] = {{"connected", connects->connected}, {"failed", connects->failed}, {"seconds", connects->seconds}};
  if (const auto failed = write_result_file(config.summary_json, doc.dump(2) + "\n"); !failed.empty()) {
    std::cerr << "throng-agent: --summary-json: " << failed << "\n";
    return exit_code ? exit_code : exit_aborted;
  }
  return exit_code;
}

}  // namespace throng::agent
