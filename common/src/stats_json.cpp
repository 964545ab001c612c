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
  return {{"sent", c.sent},
          {"acked", c.acked},
          {"delivered", c.delivered},
          {"expected", c.expected},
          {"lost", c.lost},
          {"duplicated", c.duplicated},
          {"out_of_order", c.out_of_order},
          {"dropped", c.dropped},
          {"errors", c.errors},
          {"errors_by_code", c.errors_by_code},
          {"disconnects", c.disconnects},
          {"reconnects", c.reconnects},
          {"connects", c.connects},
          {"connect_errors", c.connect_errors},
          {"wire_bytes_out", c.wire_bytes_out},
          {"wire_bytes_in", c.wire_bytes_in},
          {"logical_bytes_out", c.logical_bytes_out},
          {"logical_bytes_in", c.logical_bytes_in}};
}

json latencies_json(const run_stats& s) {
  return {{"connect", latency_json(s.connect)},
          {"ack", latency_json(s.ack)},
          {"e2e", latency_json(s.e2e)},
          {"history", latency_json(s.history)},
          {"ack_actual_send", latency_json(s.ack_actual)},
          {"e2e_same_agent", latency_json(s.e2e_local)}};
}

}  // namespace throng
