#include "throng/common/stats_json.hpp"

namespace throng {

using nlohmann::json;

json latency_json(const histogram& h) {
  json j = {{"count", h.count()}};
  if (h.count() == 0) return j;
  j["min_ms"] = static_cast<double>(h.min()) / 1e6;
  j["p50_ms"] = static_cast<double>(h.percentile(50)) / 1e6;
  j["p90_ms"] = static_cast<double>(h.percentile(90)) / 1e6;
  j["p95_ms"] = static_cast<double>(h.percentile(95)) / 1e6;
  j["p99_ms"] = static_cast<double>(h.percentile(99)) / 1e6;
  j["p999_ms"] = static_cast<double>(h.percentile(99.9)) / 1e6;
  j["max_ms"] = static_cast<double>(h.max()) / 1e6;
  j["mean_ms"] = h.mean() / 1e6;
  j["stddev_ms"] = h.stddev() / 1e6;
  return j;
}

json counters_json(const run_counters& c) {
  json j = {{"errors_by_code", c.errors_by_code}};
  for (const auto& f : counter_fields()) j[f.name] = c.*f.member;
  return j;
}

json latencies_json(const run_stats& s) {
  json j;
  for (const auto& f : latency_fields()) j[f.name] = latency_json(s.*f.member);
  return j;
}

}  // namespace throng
