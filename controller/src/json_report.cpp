#include <fstream>
#include <nlohmann/json.hpp>

#include "throng/common/log.hpp"
#include "throng/common/stats_json.hpp"
#include "throng/controller/output.hpp"

namespace throng::controller {

namespace {

using nlohmann::json;

json agents_json(const std::vector<agent_info>& agents) {
  json out = json::array();
  for (const auto& a : agents)
    out.push_back({{"id", a.id},
                   {"region", a.region},
                   {"users", a.users},
                   {"clock_offset_ms", static_cast<double>(a.clock_offset_ns) / 1e6},
                   {"clock_error_ms", static_cast<double>(a.clock_error_ns) / 1e6},
                   {"state", a.state}});
  return out;
}

class json_report final : public output {
 public:
  explicit json_report(std::string path) : path_(std::move(path)) {}

  void start(const run_info& info) override {
    doc_["run_id"] = info.run_id;
    doc_["scenario"] = info.scenario_name;
    doc_["target"] = info.target_url;
    doc_["target_spawned"] = info.target_spawned;
    doc_["users"] = info.users;
    doc_["rooms"] = info.rooms;
    doc_["rate_per_s"] = info.rate_per_s;
    doc_["duration_s"] = static_cast<double>(info.duration_ns) / 1e9;
    doc_["timeline"] = json::array();
  }

  void add(const interval_view& v) override {
    doc_["timeline"].push_back({{"window", v.window},
                                {"active_users", v.active_users},
                                {"max_loop_lag_ms", v.max_loop_lag_ms},
                                {"max_cpu_percent", v.max_cpu_percent},
                                {"counters", counters_json(v.stats.counters)},
                                {"latency", latencies_json(v.stats)}});
  }

  void stop(const run_summary& s) override {
    doc_["completed"] = s.completed;
    doc_["exit_code"] = s.exit_code;
    doc_["elapsed_s"] = static_cast<double>(s.elapsed_ns) / 1e9;
    doc_["problems"] = s.problems;
    doc_["clock_error_bound_ms"] = static_cast<double>(s.max_clock_error_ns) / 1e6;
    doc_["max_loop_lag_ms"] = s.max_loop_lag_ms;
    doc_["max_agent_cpu_percent"] = s.max_agent_cpu_percent;
    doc_["warnings"] = s.warnings;
    doc_["totals"] = counters_json(s.total.counters);
    doc_["latency"] = latencies_json(s.total);
    doc_["agents"] = agents_json(s.agents);
    std::ofstream out(path_);
    out << doc_.dump(2) << "\n";
    if (!out) log_error("cannot write the report to {}", path_);
  }

 private:
  std::string path_;
  json doc_;
};

}  // namespace

std::unique_ptr<output> make_json_report(std::string path) { return std::make_unique<json_report>(std::move(path)); }

}  // namespace throng::controller
