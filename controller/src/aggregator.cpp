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
    auto& progress = agents_[a.id];
    progress.cohort = cohort_of(a);
    progress.contiguous = static_cast<std::int64_t>(a.first_window) - 1;
    progress.entry = std::move(a);
    order_.push_back(&progress);
  }
}

aggregator::aggregator(std::initializer_list<std::string> agent_ids)
    : aggregator([&] {
        std::vector<agent_entry> entries;
        for (const auto& id : agent_ids) entries.push_back({id});
        return entries;
      }()) {}

std::size_t aggregator::cohort_of(const agent_entry& e) {
  for (std::size_t i = 0; i < cohorts_.size(); ++i)
    if (cohorts_[i].scenario == e.scenario && cohorts_[i].group == e.group && cohorts_[i].region == e.region) return i;
  cohorts_.push_back(e);
  return cohorts_.size() - 1;
}

const run_stats& aggregator::tagged(const std::string& key, const std::string& value) const {
  static const run_stats empty;
  const auto k = tagged_.find(key);
  if (k == tagged_.end()) return empty;
  const auto v = k->second.find(value);
  return v == k->second.end() ? empty : v->second;
}

std::unique_ptr<run_stats> aggregator::spare_stats() {
  if (spares_.empty()) return std::make_unique<run_stats>();
  auto s = std::move(spares_.back());
  spares_.pop_back();
  return s;
}

std::vector<interval_view> aggregator::add(const control::StatsReport& report) {
  auto it = agents_.find(report.agent_id());
  if (it == agents_.end() || it->second.final) return {};  // not part of this run, or after its final report
  auto& progress = it->second;
  const std::uint64_t run_window = report.window() + progress.entry.first_window;
  progress.last_window = std::max<std::int64_t>(progress.last_window, static_cast<std::int64_t>(run_window));
  // In order (the usual case, one TCP stream per agent) the next window just
  // extends the covered run; only a report beyond a gap is set aside.
  const auto w = static_cast<std::int64_t>(run_window);
  if (w == progress.contiguous + 1) ++progress.contiguous;
  else if (w > progress.contiguous) progress.ahead.insert(w);
  while (!progress.ahead.empty() && *progress.ahead.begin() <= progress.contiguous + 1) {
    progress.contiguous = std::max(progress.contiguous, *progress.ahead.begin());
    progress.ahead.erase(progress.ahead.begin());
  }
  progress.final = report.final();

  // A report for a window already emitted (only possible after its agent
  // was given up on) still counts, in the oldest open window.
  const std::uint64_t window = std::max(run_window, next_window_);
  auto& pending = pending_[window];
  auto& partial = pending.partials[progress.cohort];
  if (!partial) partial = spare_stats();
  if (!partial->add_from_proto(report.counters(), report.latencies())) ++rejected_histograms_;
  auto& view = pending.view;
  view.window = window;
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

bool aggregator::complete(std::uint64_t window) {
  for (; scan_position_ < order_.size(); ++scan_position_) {
    const auto& p = *order_[scan_position_];
    if (!p.live || window < p.entry.first_window) continue;
    const auto w = static_cast<std::int64_t>(window);
    if (p.contiguous >= w || (p.final && p.last_window < w)) continue;  // covered, or done before it
    return false;
  }
  return true;
}

void aggregator::close_window(pending_window& pending) {
  for (auto& [cohort, partial] : pending.partials) {
    pending.view.stats.merge(*partial);
    const auto& tags = cohorts_[cohort];
    for (const auto& [key, value] : {std::pair{"scenario", &tags.scenario}, {"group", &tags.group}, {"region", &tags.region}})
      if (!value->empty()) {
        tagged_[key][*value].merge(*partial);
        pending.view.tag_counters[key][*value].merge(partial->counters);
      }
    partial->reset();
    spares_.push_back(std::move(partial));
  }
  pending.partials.clear();
  total_.merge(pending.view.stats);
}

std::vector<interval_view> aggregator::take_complete() {
  std::vector<interval_view> out;
  while (!pending_.empty() && pending_.begin()->first == next_window_ && complete(next_window_)) {
    auto node = pending_.extract(pending_.begin());
    close_window(node.mapped());
    out.push_back(std::move(node.mapped().view));
    ++next_window_;
    scan_position_ = 0;
  }
  return out;
}

std::vector<interval_view> aggregator::flush() {
  std::vector<interval_view> out;
  for (auto& [window, pending] : pending_) {
    close_window(pending);
    out.push_back(std::move(pending.view));
  }
  pending_.clear();
  return out;
}

bool aggregator::all_final() const {
  return std::all_of(agents_.begin(), agents_.end(), [](const auto& a) { return a.second.final || !a.second.live; });
}

}  // namespace throng::controller
