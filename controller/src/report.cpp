#include "throng/controller/report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include "throng/common/stats_json.hpp"

namespace throng::controller {

using nlohmann::json;

namespace {

constexpr const char* report_format = "throng-report/1";

json stats_json(const run_stats& s) {
  json histograms;
  for (const auto& f : latency_fields()) histograms[f.name] = histogram_json(s.*f.member);
  return {{"counters", counters_json(s.counters)}, {"latency", latencies_json(s)}, {"histograms", histograms}};
}

void counters_from_json(const json& j, run_counters& c) {
  for (const auto& f : counter_fields())
    c.*f.member = f.added_later ? j.value(f.name, std::uint64_t{0}) : j.at(f.name).get<std::uint64_t>();
  c.errors_by_code = j.value("errors_by_code", std::map<std::string, std::uint64_t>{});
}

run_stats stats_from_json(const json& j) {
  run_stats s;
  counters_from_json(j.at("counters"), s.counters);
  const auto& h = j.at("histograms");
  for (const auto& f : latency_fields())
    if (const auto it = h.find(f.name); it != h.end()) histogram_from_json(*it, s.*f.member);  // older reports lack newer ones
  return s;
}

json thresholds_json(const std::vector<threshold_result>& results) {
  json out = json::array();
  for (const auto& r : results)
    out.push_back({{"metric", r.spec.metric},
                   {"tag", r.spec.tag_key.empty() ? json(nullptr) : json{{r.spec.tag_key, r.spec.tag_value}}},
                   {"expression", r.spec.expression},
                   {"abort_on_fail", r.spec.abort_on_fail},
                   {"passed", r.passed},
                   {"evaluated", r.evaluated},
                   {"value", r.value},
                   {"shown", r.shown}});
  return out;
}

}  // namespace

json histogram_json(const histogram& h) {
  json buckets = json::array();
  for (std::size_t i = 0; i < h.bucket_count(); ++i)
    if (const auto n = h.count_at_index(i)) buckets.push_back({h.value_at_index(i), n});
  return {{"count", h.count()}, {"min_ns", h.min()}, {"max_ns", h.max()}, {"buckets", buckets}};
}

void histogram_from_json(const json& j, histogram& out) {
  out.reset();
  const auto& buckets = j.at("buckets");
  const auto min = j.at("min_ns").get<std::int64_t>(), max = j.at("max_ns").get<std::int64_t>();
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const auto value = buckets[i].at(0).get<std::int64_t>();
    auto count = buckets[i].at(1).get<std::uint64_t>();
    // The first and last buckets hold the exact min and max.
    if (i == 0 && count) out.record(min), --count;
    if (i + 1 == buckets.size() && count) out.record(max), --count;
    if (count) out.record(value, count);
  }
}

json window_json(const interval_view& v) {
  json tags = json::object();
  for (const auto& [key, values] : v.tag_counters)
    for (const auto& [value, counters] : values) tags[key][value] = counters_json(counters);
  return {{"window", v.window},
          {"tags", tags},
          {"active_users", v.active_users},
          {"max_loop_lag_ms", v.max_loop_lag_ms},
          {"max_cpu_percent", v.max_cpu_percent},
          {"thresholds_failing", v.thresholds_failing},
          {"counters", counters_json(v.stats.counters)},
          {"latency", latencies_json(v.stats)}};
}

json environment_json() {
  utsname u{};
  uname(&u);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return {{"host", host},
          {"kernel", std::string(u.sysname) + " " + u.release},
          {"machine", u.machine},
          {"cores", std::thread::hardware_concurrency()}};
}

json report_json(const saved_report& r) {
  const auto& info = r.info;
  const auto& s = r.summary;
  json groups = json::array();
  for (const auto& g : info.groups)
    groups.push_back({{"tag", g.tag}, {"executor", g.executor}, {"users", g.users}, {"rooms", g.rooms},
                      {"send_rate_per_s", g.send_rate_per_s}, {"start_s", static_cast<double>(g.start_ns) / 1e9},
                      {"duration_s", static_cast<double>(g.duration_ns) / 1e9}});
  json agents = json::array();
  for (const auto& a : s.agents)
    agents.push_back({{"id", a.id}, {"region", a.region}, {"group", a.group}, {"users", a.users},
                      {"clock_offset_ms", static_cast<double>(a.clock_offset_ns) / 1e6},
                      {"clock_error_ms", static_cast<double>(a.clock_error_ns) / 1e6},
                      {"state", a.state}, {"connected", a.connected}});
  json tags = json::object();
  for (const auto& [key, values] : s.tags)
    for (const auto& [value, stats] : values) tags[key][value] = stats_json(stats);
  const auto total = stats_json(s.total);
  return {{"format", report_format},
          {"run_id", info.run_id},
          {"scenario", info.scenario_name},
          {"scenario_source", info.source},
          {"target", info.target_url},
          {"target_spawned", info.target_spawned},
          {"users", info.users},
          {"rate_per_s", info.rate_per_s},
          {"duration_s", static_cast<double>(info.duration_ns) / 1e9},
          {"groups", groups},
          {"environment", r.environment},
          {"verdict", s.exit_code == 0 ? "pass" : s.exit_code == 1 ? "fail" : "aborted"},
          {"exit_code", s.exit_code},
          {"completed", s.completed},
          {"degraded", s.degraded},
          {"elapsed_s", static_cast<double>(s.elapsed_ns) / 1e9},
          {"problems", s.problems},
          {"warnings", s.warnings},
          {"thresholds", thresholds_json(s.thresholds)},
          {"clock_error_bound_ms", static_cast<double>(s.max_clock_error_ns) / 1e6},
          {"max_loop_lag_ms", s.max_loop_lag_ms},
          {"max_agent_cpu_percent", s.max_agent_cpu_percent},
          {"totals", total.at("counters")},
          {"latency", total.at("latency")},
          {"histograms", total.at("histograms")},
          {"tags", tags},
          {"agents", agents},
          {"timeline", r.timeline}};
}

saved_report report_from_json(const json& doc) {
  if (!doc.is_object() || doc.value("format", "") != report_format)
    throw std::runtime_error(std::string("not a Throng JSON report (expected \"format\": \"") + report_format +
                             "\"; write one with throng run --report FILE)");
  saved_report r;
  try {
    auto& info = r.info;
    info.run_id = doc.at("run_id");
    info.scenario_name = doc.at("scenario");
    info.source = doc.value("scenario_source", "");
    info.target_url = doc.at("target");
    info.target_spawned = doc.at("target_spawned");
    info.users = doc.at("users");
    info.rate_per_s = doc.at("rate_per_s");
    info.duration_ns = static_cast<std::int64_t>(doc.at("duration_s").get<double>() * 1e9);
    for (const auto& g : doc.at("groups"))
      info.groups.push_back({g.at("tag"), g.at("executor"), g.at("users"), g.at("rooms"), g.at("send_rate_per_s"),
                             static_cast<std::int64_t>(g.at("start_s").get<double>() * 1e9),
                             static_cast<std::int64_t>(g.at("duration_s").get<double>() * 1e9)});
    r.environment = doc.value("environment", json::object());
    r.timeline = doc.at("timeline");
    auto& s = r.summary;
    s.exit_code = doc.at("exit_code");
    s.completed = doc.at("completed");
    s.degraded = doc.value("degraded", false);
    s.elapsed_ns = static_cast<std::int64_t>(doc.at("elapsed_s").get<double>() * 1e9);
    s.problems = doc.at("problems").get<std::vector<std::string>>();
    s.warnings = doc.at("warnings").get<std::vector<std::string>>();
    s.max_clock_error_ns = static_cast<std::int64_t>(doc.at("clock_error_bound_ms").get<double>() * 1e6);
    s.max_loop_lag_ms = doc.at("max_loop_lag_ms");
    s.max_agent_cpu_percent = doc.at("max_agent_cpu_percent");
    s.total = stats_from_json({{"counters", doc.at("totals")}, {"histograms", doc.at("histograms")}});
    for (const auto& [key, values] : doc.at("tags").items())
      for (const auto& [value, stats] : values.items()) s.tags[key][value] = stats_from_json(stats);
    for (const auto& t : doc.at("thresholds")) {
      threshold_result result;
      parse_threshold_metric(t.at("metric"), result.spec);
      if (t.at("tag").is_object())
        for (const auto& [k, v] : t.at("tag").items()) result.spec.tag_key = k, result.spec.tag_value = v;
      parse_threshold_expression(t.at("expression"), result.spec);
      result.spec.abort_on_fail = t.at("abort_on_fail");
      result.passed = t.at("passed");
      result.evaluated = t.at("evaluated");
      result.value = t.at("value");
      result.shown = t.at("shown");
      info.thresholds.push_back(result.spec);
      s.thresholds.push_back(std::move(result));
    }
    for (const auto& a : doc.at("agents"))
      s.agents.push_back({a.at("id"), a.at("region"), a.value("group", ""), a.at("users"),
                          static_cast<std::int64_t>(a.at("clock_offset_ms").get<double>() * 1e6),
                          static_cast<std::int64_t>(a.at("clock_error_ms").get<double>() * 1e6), a.at("state"),
                          a.value("connected", true)});
    info.agents = s.agents;
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("malformed Throng report: ") + e.what());
  }
  return r;
}

saved_report load_report(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + " (does it exist?)");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error(path + " is not JSON: " + e.what());
  }
  try {
    return report_from_json(doc);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace throng::controller
