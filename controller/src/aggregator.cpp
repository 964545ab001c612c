#include "throng/controller/aggregator.hpp"

#include <algorithm>

#include "control.pb.h"

namespace throng::controller {

aggregator::aggregator(std::vector<agent_entry> agents) {
  for (auto& a : agents) {
    // Every tag value is listed from the start, so reports show it even before data.
    if (!a.scenario.empty()) tagged_["scenario"][a.scenario];
    if (!a.group.empty()) tagged_["group"][a.group];
    if (!a.region.empty()) tagged_["region"][a.region];
    agents_[a.id].entry = std::move(a);
  }
}

aggregator::aggregator(std::initializer_list<std::string> agent_ids) {
  for (const auto& id : agent_ids) agents_[id].entry.id = id;
}

const run_stats& aggregator::tagged(const std::string& key, const std::string& value) const {
  static const run_stats empty;
  const auto k = tagged_.find(key);
  if (k == tagged_.end()) return empty;
  const auto v = k->second.find(value);
  return v == k->second.end() ? empty : v->second;
}

std::vector<interval_view> aggregator::add(const control::StatsReport& report) {
  auto it = agents_.find(report.agent_id());
  if (it == agents_.end() || it->second.final) return {};  // not part of this run, or after its final report
  auto& progress = it->second;
  const std::uint64_t run_window = report.window() + progress.entry.first_window;
  progress.last_window = std::max<std::int64_t>(progress.last_window, static_cast<std::int64_t>(run_window));
  progress.final = report.final();

  // A report for a window already emitted (only possible after its agent
  // was given up on) still counts, in the oldest open window.
  const std::uint64_t window = std::max(run_window, next_window_);
  auto& pending = pending_[window];
  pending.reporters.insert(report.agent_id());
  auto& view = pending.view;
  view.window = window;
  if (!view.stats.add_from_proto(report.counters(), report.latencies())) ++rejected_histograms_;
  const auto& e = progress.entry;
  for (const auto& [key, value] : {std::pair{"scenario", &e.scenario}, {"group", &e.group}, {"region", &e.region}})
    if (!value->empty()) tagged_[key][*value].add_from_proto(report.counters(), report.latencies());
  view.active_users += report.active_users();
  view.max_loop_lag_ms = std::max(view.max_loop_lag_ms, report.loop_lag_ms());
  view.max_cpu_percent = std::max(view.max_cpu_percent, report.cpu_percent());
  max_loop_lag_ms_ = std::max(max_loop_lag_ms_, report.loop_lag_ms());
  max_cpu_percent_ = std::max(max_cpu_percent_, report.cpu_percent());
  return take_complete();
}

std::vector<interval_view> aggregator::remove_agent(const std::string& agent_id) {
  if (auto it = agents_.find(agent_id); it != agents_.end()) it->second.live = false;
  return take_complete();
}

bool aggregator::complete(std::uint64_t window) const {
  const auto it = pending_.find(window);
  for (const auto& [id, p] : agents_) {
    if (!p.live || window < p.entry.first_window) continue;
    if (it != pending_.end() && it->second.reporters.contains(id)) continue;
    if (p.final && p.last_window < static_cast<std::int64_t>(window)) continue;
    return false;
  }
  return true;
}

std::vector<interval_view> aggregator::take_complete() {
  std::vector<interval_view> out;
  while (!pending_.empty() && pending_.begin()->first == next_window_ && complete(next_window_)) {
    auto node = pending_.extract(pending_.begin());
    total_.merge(node.mapped().view.stats);
    out.push_back(std::move(node.mapped().view));
    ++next_window_;
  }
  return out;
}

std::vector<interval_view> aggregator::flush() {
  std::vector<interval_view> out;
  for (auto& [window, pending] : pending_) {
    total_.merge(pending.view.stats);
    out.push_back(std::move(pending.view));
  }
  pending_.clear();
  return out;
}

bool aggregator::all_final() const {
  return std::all_of(agents_.begin(), agents_.end(), [](const auto& a) { return a.second.final || !a.second.live; });
}

}  // namespace throng::controller
