#pragma once
// Merges the agents' per-second reports into a timeline of whole-run windows
// and a cumulative view. A window is complete once every live agent has
// reported it (or has finished before it); windows are emitted in order.
// Not thread-safe: owned by the controller's thread.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

#include "throng/common/run_stats.hpp"

namespace throng::control { class StatsReport; }

namespace throng::controller {

struct interval_view {
  std::uint64_t window = 0;          // seconds since start
  run_stats stats;                   // this window only
  std::uint32_t active_users = 0;
  double max_loop_lag_ms = 0;
  double max_cpu_percent = 0;
  // This window's counters per tag value (scenario, group, region).
  std::map<std::string, std::map<std::string, run_counters>> tag_counters;
  // Filled by the controller: thresholds on the cumulative results so far.
  std::uint32_t thresholds_total = 0;
  std::uint32_t thresholds_failing = 0;
};

// An agent of the run: its windows count from `first_window` of the run (a
// scenario with a start_time starts later), and its measurements also add up
// under its tags.
struct agent_entry {
  std::string id;
  std::uint64_t first_window = 0;
  std::string scenario, group, region;  // group is scenario/group
};

// Cumulative measurements of one tag value, e.g. scenario "chat".
using tagged_totals = std::map<std::string, std::map<std::string, run_stats>>;  // tag key -> value -> totals

class aggregator {
 public:
  explicit aggregator(std::vector<agent_entry> agents);
  // Agents all starting with the run, without tags.
  explicit aggregator(std::initializer_list<std::string> agent_ids);

  // Adds a report and returns the windows it completed, oldest first.
  std::vector<interval_view> add(const control::StatsReport& report);
  // An agent that left: its missing windows no longer hold others back.
  std::vector<interval_view> remove_agent(const std::string& agent_id);
  // Emits every window still pending, complete or not (end of run).
  std::vector<interval_view> flush();

  bool all_final() const;
  // total() covers the windows [0, windows_closed()).
  std::uint64_t windows_closed() const noexcept { return next_window_; }
  const run_stats& total() const noexcept { return total_; }
  // The cumulative measurements of a tag value (scenario, group, region); empty when none.
  const run_stats& tagged(const std::string& key, const std::string& value) const;
  const tagged_totals& tags() const noexcept { return tagged_; }
  double max_loop_lag_ms() const noexcept { return max_loop_lag_ms_; }
  double max_cpu_percent() const noexcept { return max_cpu_percent_; }
  std::uint64_t rejected_histograms() const noexcept { return rejected_histograms_; }

 private:
  struct agent_progress {
    agent_entry entry;
    std::size_t cohort = 0;          // agents with the same tags share one partial sum per window
    std::int64_t last_window = -1;   // the latest window reported
    std::int64_t contiguous = -1;    // every window up to this one is reported
    std::set<std::int64_t> ahead;    // reported beyond a gap (out of order)
    bool final = false;
    bool live = true;
  };
  // One window being collected: a partial sum per cohort, so a report costs
  // one merge; cohorts merge into the window and the tags once, at completion.
  struct pending_window {
    interval_view view;
    std::map<std::size_t, std::unique_ptr<run_stats>> partials;
  };
  std::vector<interval_view> take_complete();
  // Whether every live agent has covered `window`; resumes its scan where the
  // last call stopped, since an agent that covered a window stays covering it.
  bool complete(std::uint64_t window);
  void close_window(pending_window& pending);
  std::unique_ptr<run_stats> spare_stats();
  std::size_t cohort_of(const agent_entry& e);

  std::unordered_map<std::string, agent_progress> agents_;
  std::vector<agent_progress*> order_;                 // for the completion scan
  std::vector<agent_entry> cohorts_;                   // tags of each cohort
  std::vector<std::unique_ptr<run_stats>> spares_;     // reset partial sums, reused (a run_stats is large)
  std::size_t scan_position_ = 0;
  std::map<std::uint64_t, pending_window> pending_;
  std::uint64_t next_window_ = 0;
  run_stats total_;
  tagged_totals tagged_;
  double max_loop_lag_ms_ = 0;
  double max_cpu_percent_ = 0;
  std::uint64_t rejected_histograms_ = 0;
};

}  // namespace throng::controller
