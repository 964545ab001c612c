#pragma once
// Measurements as JSON, in the one shape every Throng report uses: counters
// by name, and per latency metric its count and percentiles in milliseconds.

#include <nlohmann/json.hpp>

#include "throng/common/run_stats.hpp"

namespace throng {

nlohmann::json latency_json(const histogram& h);
nlohmann::json counters_json(const run_counters& c);
// connect, ack, e2e, history and ack_actual_send.
nlohmann::json latencies_json(const run_stats& s);

}  // namespace throng
