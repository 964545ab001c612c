#pragma once
// Results flow to outputs through one small interface (start, add each
// window, stop with the summary): the console progress line and summary, the
// JSON report, and later Prometheus and the panel feed. The engine never
// knows how results are printed.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "throng/controller/aggregator.hpp"
#include "throng/controller/thresholds.hpp"

namespace throng::controller {

struct agent_info {
  std::string id;
  std::string region;
  std::string group;               // scenario/group it carried
  std::uint64_t users = 0;
  std::int64_t clock_offset_ns = 0;
  std::int64_t clock_error_ns = 0;
  std::string state;
  bool connected = true;           // false: lost during the run
};

struct group_info {
  std::string tag;                 // scenario/group
  std::string executor;
  std::uint64_t users = 0;         // slots (peak concurrency for closed executors)
  std::uint32_t rooms = 0;
  double send_rate_per_s = 0;      // planned, when fully running
  std::int64_t start_ns = 0;
  std::int64_t duration_ns = 0;
};

struct run_info {
  std::string run_id;
  std::string scenario_name;
  std::string target_url;
  bool target_spawned = false;
  std::uint64_t users = 0;
  double rate_per_s = 0;
  std::int64_t duration_ns = 0;    // until the last group stops sending
  std::vector<group_info> groups;
  std::vector<threshold> thresholds;
  std::string source;              // the scenario file as written
  std::vector<agent_info> agents;
};

struct run_summary {
  run_stats total;
  tagged_totals tags;                     // per scenario, group and region
  std::vector<threshold_result> thresholds;
  bool degraded = false;                  // an agent was lost and the run carried on
  std::int64_t elapsed_ns = 0;
  bool completed = false;                 // false: aborted
  std::vector<std::string> problems;      // why aborted, lost agents, ...
  std::int64_t max_clock_error_ns = 0;    // the e2e figures are exact within this bound
  double max_loop_lag_ms = 0;
  double max_agent_cpu_percent = 0;
  std::vector<std::string> warnings;      // results to read with care (e.g. a saturated agent)
  int exit_code = 0;
  std::vector<agent_info> agents;
};

class output {
 public:
  virtual ~output() = default;
  virtual void start(const run_info&) {}
  virtual void add(const interval_view&) {}
  // Empty, or why this output could not be written (the run's exit code then says so).
  virtual std::string stop(const run_summary&) { return {}; }
};

// Progress line each second (rewritten in place on a terminal) and the summary table.
std::unique_ptr<output> make_console_output(std::FILE* out);
// The file outputs write their file whole at stop (throng/common/result_file.hpp).
// The whole run as JSON (controller/report.hpp): it reads back for `throng report` and `compare`.
std::unique_ptr<output> make_json_report(std::string path);
// JUnit XML: a test case per threshold and one for the run.
std::unique_ptr<output> make_junit_report(std::string path);
// A Markdown summary (verdict, thresholds, tables).
std::unique_ptr<output> make_markdown_summary(std::string path);

}  // namespace throng::controller
