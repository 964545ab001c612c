#pragma once
// What the views draw: an immutable picture of the controller link and the
// run, assembled on the network thread from the operator stream and handed
// to the UI thread whole (it never sees a half-updated one).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "throng/panel/latency_view.hpp"

namespace throng::panel {

enum class link_state { disconnected, connecting, connected, refused };
const char* link_state_name(link_state s);

// Which stretch of the run a histogram covers.
enum class span { last_second, last_minute, whole_run };
inline constexpr std::array<span, 3> all_spans{span::last_second, span::last_minute, span::whole_run};
const char* span_name(span s);

enum class latency_metric { e2e, ack, connect };
inline constexpr std::array<latency_metric, 3> all_latency_metrics{latency_metric::e2e, latency_metric::ack,
                                                                   latency_metric::connect};
const char* latency_metric_name(latency_metric m);

struct span_histogram {
  log_bins bins;
  std::uint64_t seconds = 0;  // how many seconds it actually covers (0: no data yet)
};

// One source's histograms ("all regions" or one region), by metric and span.
using source_histograms = std::array<std::array<span_histogram, 3>, 3>;  // [metric][span]

// Per-second series for the scrolling charts, oldest first.
struct series {
  std::vector<float> active_users, sends, deliveries, errors;
  std::vector<float> e2e_p50, e2e_p95, e2e_p99, ack_p50, ack_p95, ack_p99;  // milliseconds
  std::uint64_t first_second = 0;  // run second of the first point
};

struct agent_row {
  std::string id, region, group, state, message;
  std::uint32_t active_users = 0;
  std::uint64_t planned_users = 0;
  double sends_per_s = 0, loop_lag_ms = 0, cpu_percent = 0;
  double clock_offset_ms = 0, clock_error_ms = 0;
  bool saturated = false;  // CPU or loop lag beyond what keeps its latencies honest, or failed
};

struct threshold_row {
  std::string name, value;
  bool passed = true, evaluated = false, abort_on_fail = false;
};

struct timeline_mark {
  std::int64_t at_ns = 0, length_ns = 0;
  std::string lane, label;
};

struct scenario_problem {
  std::uint32_t line = 0, column = 0;
  std::string path, message;
};

struct correctness {
  std::uint64_t sent = 0, acked = 0, delivered = 0, expected = 0;
  std::uint64_t lost = 0, duplicated = 0, out_of_order = 0, errors = 0;
  std::uint64_t wire_in = 0, wire_out = 0, logical_in = 0, logical_out = 0;
};

struct panel_snapshot {
  // The link.
  std::string address;
  link_state state = link_state::disconnected;
  std::string link_message;           // why refused or disconnected, in plain words
  std::uint64_t snapshots_received = 0;

  // The run.
  std::string run_id, scenario, phase;
  std::int64_t elapsed_ns = 0, duration_ns = 0;
  double rate_multiplier = 1;
  std::vector<timeline_mark> timeline;
  std::vector<std::string> problems;  // why the run was aborted or degraded
  std::string refusal;                // the controller's answer to the last refused command
  std::vector<scenario_problem> scenario_problems;

  series charts;
  std::vector<std::string> sources;   // "all regions" first, then each region
  std::map<std::string, source_histograms> histograms;
  std::vector<agent_row> agents;
  std::vector<threshold_row> thresholds;
  correctness totals;

  std::uint64_t version = 0;          // bumped on every change
};

inline constexpr const char* all_regions = "all regions";

}  // namespace throng::panel
