#pragma once
// Pass/fail criteria in the k6 form: a metric (optionally narrowed by a tag,
// `e2e{scenario:chat}`) and expressions such as "p(95) < 1500ms",
// "count == 0" or "rate < 0.001". Evaluated on cumulative measurements, live
// (for abort_on_fail) and at the end (the verdict).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "throng/common/run_stats.hpp"

namespace throng::controller {

enum class compare_op { less, less_equal, greater, greater_equal, equal, not_equal };

struct threshold {
  std::string metric;      // connect, ack, e2e, history, or a counter name
  std::string tag_key;     // scenario, group or region; empty: the whole run
  std::string tag_value;
  std::string expression;  // as written, e.g. "p(95) < 1500ms"
  std::string aggregation; // p(95), avg, med, min, max, count, rate, per_s
  double percentile = 0;   // for p(N)
  compare_op op = compare_op::less;
  double limit = 0;        // latencies in nanoseconds; rates as fractions or per second
  bool abort_on_fail = false;
  std::int64_t delay_abort_eval_ns = 0;  // no abort before this much of the run has passed

  std::string name() const;  // e2e{scenario:chat}: p(95) < 1500ms
};

struct threshold_result {
  threshold spec;
  bool passed = true;
  bool evaluated = false;  // false: no data for the metric, which fails the threshold
  double value = 0;        // in the units of `limit`
  std::string shown;       // the value for people: "812.3ms", "0", "0.0012"
};

// The metric key ("e2e", "e2e{scenario:chat}"); returns an error message or empty.
std::string parse_threshold_metric(const std::string& key, threshold& out);
// One expression for out.metric; returns an error message or empty.
std::string parse_threshold_expression(const std::string& text, threshold& out);

// The metrics thresholds know, for errors and the documentation.
const std::vector<std::string>& latency_metric_names();
const std::vector<std::string>& counter_metric_names();

threshold_result evaluate(const threshold& t, const run_stats& stats, double elapsed_s);

}  // namespace throng::controller
