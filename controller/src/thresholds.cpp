#include "throng/controller/thresholds.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "throng/common/units.hpp"

namespace throng::controller {

namespace {

// A counter's `rate` is the fraction of a natural whole: lost of expected,
// connect_errors of connect attempts, and so on.
struct counter_metric {
  const char* name;
  std::uint64_t run_counters::*value;
  // The whole `rate` divides by; nullptr when the counter has no natural whole.
  std::uint64_t (*whole)(const run_counters&);
};

const counter_metric counters[] = {
    {"sent", &run_counters::sent, nullptr},
    {"acked", &run_counters::acked, [](const run_counters& c) { return c.sent; }},
    {"delivered", &run_counters::delivered, [](const run_counters& c) { return c.expected; }},
    {"expected", &run_counters::expected, nullptr},
    {"lost", &run_counters::lost, [](const run_counters& c) { return c.expected; }},
    {"duplicated", &run_counters::duplicated, [](const run_counters& c) { return c.delivered; }},
    {"out_of_order", &run_counters::out_of_order, [](const run_counters& c) { return c.delivered; }},
    {"dropped", &run_counters::dropped, [](const run_counters& c) { return c.sent + c.dropped; }},
    {"errors", &run_counters::errors, [](const run_counters& c) { return c.sent; }},
    {"disconnects", &run_counters::disconnects, [](const run_counters& c) { return c.connects; }},
    {"reconnects", &run_counters::reconnects, [](const run_counters& c) { return c.connects; }},
    {"connects", &run_counters::connects, nullptr},
    {"connect_errors", &run_counters::connect_errors, [](const run_counters& c) { return c.connects + c.connect_errors; }},
};

const counter_metric* find_counter(const std::string& name) {
  for (const auto& c : counters)
    if (name == c.name) return &c;
  return nullptr;
}

// The run's histogram of a latency threshold metric, by the name run_stats
// gives it (its table also names the JSON and report fields).
const histogram* find_latency(const std::string& name, const run_stats& s) {
  const auto& names = latency_metric_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) return nullptr;
  for (const auto& f : latency_fields())
    if (name == f.name) return &(s.*f.member);
  return nullptr;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool parse_number(const std::string& text, double& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size() && std::isfinite(out);
}

bool holds(double value, compare_op op, double limit) {
  switch (op) {
    case compare_op::less: return value < limit;
    case compare_op::less_equal: return value <= limit;
    case compare_op::greater: return value > limit;
    case compare_op::greater_equal: return value >= limit;
    case compare_op::equal: return value == limit;
    case compare_op::not_equal: return value != limit;
  }
  return false;
}

}  // namespace

const std::vector<std::string>& latency_metric_names() {
  static const std::vector<std::string> names{"connect", "ack", "e2e", "history", "agent_added"};
  return names;
}

const std::vector<std::string>& counter_metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& c : counters) out.emplace_back(c.name);
    return out;
  }();
  return names;
}

std::string threshold::name() const {
  std::string out = metric;
  if (!tag_key.empty()) out += "{" + tag_key + ":" + tag_value + "}";
  return out + ": " + expression;
}

std::string parse_threshold_metric(const std::string& key, threshold& out) {
  std::string metric = key;
  if (const auto brace = key.find('{'); brace != std::string::npos) {
    if (key.back() != '}') return "a tag filter is written metric{tag:value}, e.g. e2e{scenario:chat}";
    const std::string tag = key.substr(brace + 1, key.size() - brace - 2);
    const auto colon = tag.find(':');
    if (colon == std::string::npos) return "a tag filter is written metric{tag:value}, e.g. e2e{scenario:chat}";
    out.tag_key = trim(tag.substr(0, colon));
    out.tag_value = trim(tag.substr(colon + 1));
    if (out.tag_key != "scenario" && out.tag_key != "group" && out.tag_key != "region")
      return "'" + out.tag_key + "' is not a tag: expected scenario, group (scenario/group) or region";
    if (out.tag_value.empty()) return "the tag needs a value, e.g. e2e{scenario:chat}";
    metric = trim(key.substr(0, brace));
  }
  const auto& latencies = latency_metric_names();
  if (std::find(latencies.begin(), latencies.end(), metric) == latencies.end() && !find_counter(metric)) {
    std::string known;
    for (const auto& m : latencies) known += " " + m;
    for (const auto& c : counters) known += std::string(" ") + c.name;
    return "'" + metric + "' is not a metric; expected one of:" + known;
  }
  out.metric = metric;
  return {};
}

std::string parse_threshold_expression(const std::string& text, threshold& out) {
  out.expression = trim(text);
  static const std::pair<const char*, compare_op> ops[] = {
      {"<=", compare_op::less_equal}, {">=", compare_op::greater_equal}, {"==", compare_op::equal},
      {"!=", compare_op::not_equal},  {"<", compare_op::less},           {">", compare_op::greater}};
  std::size_t at = std::string::npos, len = 0;
  for (const auto& [symbol, op] : ops) {
    if (const auto pos = out.expression.find(symbol); pos != std::string::npos) {
      at = pos;
      len = std::char_traits<char>::length(symbol);
      out.op = op;
      break;
    }
  }
  const bool latency = !find_counter(out.metric);
  const std::string forms = latency ? "'p(95) < 1500ms', 'avg < 200ms', 'max <= 3s' (p(N), avg, med, min, max, count)"
                                    : "'count == 0', 'rate < 0.001' (a fraction), 'per_s > 100'";
  if (at == std::string::npos) return "'" + out.expression + "' has no comparison; expected a form such as " + forms;
  out.aggregation = trim(out.expression.substr(0, at));
  const std::string limit = trim(out.expression.substr(at + len));

  const auto& a = out.aggregation;
  if (latency && a.size() > 3 && a.rfind("p(", 0) == 0 && a.back() == ')') {
    if (!parse_number(a.substr(2, a.size() - 3), out.percentile) || out.percentile < 0 || out.percentile > 100)
      return "'" + a + "': the percentile must be a number from 0 to 100, e.g. p(99.9)";
  } else if (latency ? !(a == "avg" || a == "med" || a == "min" || a == "max" || a == "count")
                     : !(a == "count" || a == "rate" || a == "per_s")) {
    return "'" + a + "' is not an aggregation of " + out.metric + "; expected a form such as " + forms;
  }
  if (a == "rate") {
    const auto* c = find_counter(out.metric);
    if (!c->whole) return "'" + out.metric + "' has no rate (it is not a fraction of anything); use count or per_s";
  }
  if (latency && a != "count") {
    // Latencies take a duration; a bare number means milliseconds, as in k6.
    double ms = 0;
    if (parse_number(limit, ms)) out.limit = ms * 1e6;
    else if (const auto ns = parse_duration_ns(limit)) out.limit = static_cast<double>(*ns);
    else return "'" + limit + "' is not a duration such as 1500ms or 3s";
  } else if (!parse_number(limit, out.limit)) {
    if (const auto n = parse_count(limit)) out.limit = static_cast<double>(*n);
    else return "'" + limit + "' is not a number";
  }
  return {};
}

threshold_result evaluate(const threshold& t, const run_stats& s, double elapsed_s) {
  threshold_result r;
  r.spec = t;
  if (const auto* h = find_latency(t.metric, s)) {
    if (t.aggregation == "count") {
      r.value = static_cast<double>(h->count());
      r.evaluated = true;
      r.shown = format_count(r.value);
    } else if (h->count()) {
      if (t.aggregation == "avg") r.value = h->mean();
      else if (t.aggregation == "med") r.value = static_cast<double>(h->percentile(50));
      else if (t.aggregation == "min") r.value = static_cast<double>(h->min());
      else if (t.aggregation == "max") r.value = static_cast<double>(h->max());
      else r.value = static_cast<double>(h->percentile(t.percentile));
      r.evaluated = true;
      r.shown = format_duration(static_cast<std::int64_t>(r.value));
    }
  } else if (const auto* c = find_counter(t.metric)) {
    const double count = static_cast<double>(s.counters.*(c->value));
    if (t.aggregation == "count") {
      r.value = count;
      r.evaluated = true;
      r.shown = fmt::format("{}", s.counters.*(c->value));
    } else if (t.aggregation == "per_s") {
      if (elapsed_s > 0) {
        r.value = count / elapsed_s;
        r.evaluated = true;
        r.shown = fmt::format("{:.4g}/s", r.value);
      }
    } else if (const auto whole = c->whole(s.counters); whole > 0) {
      r.value = count / static_cast<double>(whole);
      r.evaluated = true;
      r.shown = fmt::format("{:.4g} ({} of {})", r.value, s.counters.*(c->value), whole);
    }
  }
  // No data is a failure: a threshold on e2e with nothing delivered must not pass.
  r.passed = r.evaluated && holds(r.value, t.op, t.limit);
  if (!r.evaluated) r.shown = "no data";
  return r;
}

}  // namespace throng::controller
