#include "throng/panel/snapshot_builder.hpp"

#include <algorithm>

namespace throng::panel {

namespace {

// Beyond these an agent's own queueing shows up in its latencies.
constexpr double saturated_cpu_percent = 85;
constexpr double lagging_loop_ms = 10;

const stats::Histogram& metric_of(const stats::Latencies& l, std::size_t metric) {
  switch (all_latency_metrics[metric]) {
    case latency_metric::e2e: return l.e2e();
    case latency_metric::ack: return l.ack();
    case latency_metric::connect: return l.connect();
  }
  return l.e2e();
}

std::array<latency_view, 3> views_of(const stats::Latencies& l) {
  std::array<latency_view, 3> out;
  for (std::size_t m = 0; m < out.size(); ++m) out[m] = latency_view::from_proto(metric_of(l, m));
  return out;
}

float ms(std::int64_t ns) { return static_cast<float>(static_cast<double>(ns) / 1e6); }

}  // namespace

const char* link_state_name(link_state s) {
  switch (s) {
    case link_state::disconnected: return "disconnected";
    case link_state::connecting: return "connecting";
    case link_state::connected: return "connected";
    case link_state::refused: return "refused";
  }
  return "?";
}

const char* span_name(span s) {
  switch (s) {
    case span::last_second: return "last second";
    case span::last_minute: return "last minute";
    case span::whole_run: return "whole run";
  }
  return "?";
}

const char* latency_metric_name(latency_metric m) {
  switch (m) {
    case latency_metric::e2e: return "e2e";
    case latency_metric::ack: return "ack";
    case latency_metric::connect: return "connect";
  }
  return "?";
}

snapshot_builder::snapshot_builder(std::size_t history_seconds)
    : history_seconds_(history_seconds), points_(history_seconds) {}

bool snapshot_builder::set_link(link_state state, const std::string& address, const std::string& message) {
  if (current_.state == state && current_.address == address && current_.link_message == message) return false;
  current_.state = state;
  current_.address = address;
  current_.link_message = message;
  ++current_.version;
  return true;
}

void snapshot_builder::refused(const control::Refused& refusal) {
  current_.refusal = refusal.reason();
  current_.scenario_problems.clear();
  for (const auto& p : refusal.problems())
    current_.scenario_problems.push_back({p.line(), p.column(), p.path(), p.message()});
  ++current_.version;
}

// A new run (or a scenario just started): what was refused before is history.
void snapshot_builder::reset_run() {
  current_.refusal.clear();
  current_.scenario_problems.clear();
  points_.clear();
  cumulative_.clear();
  last_point_second_ = 0;
  current_.histograms.clear();
  current_.sources.clear();
  current_.charts = {};
}

void snapshot_builder::add(const control::RunSnapshot& s) {
  if (s.run_id() != current_.run_id) reset_run();
  auto& c = current_;
  ++c.snapshots_received;
  c.run_id = s.run_id();
  c.scenario = s.scenario();
  c.phase = s.phase();
  c.elapsed_ns = s.elapsed_ns();
  c.duration_ns = s.duration_ns();
  c.rate_multiplier = s.rate_multiplier() > 0 ? s.rate_multiplier() : 1;
  c.problems.assign(s.problems().begin(), s.problems().end());

  c.timeline.clear();
  for (const auto& m : s.timeline()) c.timeline.push_back({m.at_ns(), m.length_ns(), m.lane(), m.label()});

  c.thresholds.clear();
  for (const auto& t : s.thresholds()) c.thresholds.push_back({t.name(), t.value(), t.passed(), t.evaluated(), t.abort_on_fail()});

  c.agents.clear();
  c.agents.reserve(static_cast<std::size_t>(s.agents_size()));
  for (const auto& a : s.agents()) {
    agent_row row;
    row.id = a.status().agent_id();
    row.region = a.region();
    row.group = a.group();
    row.state = control::AgentState_Name(a.status().state());
    if (row.state.starts_with("AGENT_")) row.state.erase(0, 6);
    std::transform(row.state.begin(), row.state.end(), row.state.begin(), [](unsigned char ch) { return std::tolower(ch); });
    row.message = a.status().message();
    row.active_users = a.active_users();
    row.planned_users = a.planned_users();
    row.sends_per_s = a.sends_per_s();
    row.loop_lag_ms = a.loop_lag_ms();
    row.cpu_percent = a.cpu_percent();
    row.clock_offset_ms = static_cast<double>(a.status().clock_offset_ns()) / 1e6;
    row.clock_error_ms = static_cast<double>(a.status().clock_error_ns()) / 1e6;
    row.saturated = row.cpu_percent >= saturated_cpu_percent || row.loop_lag_ms >= lagging_loop_ms ||
                    a.status().state() == control::AGENT_FAILED;
    c.agents.push_back(std::move(row));
  }

  const auto& t = s.total();
  c.totals = {t.sent(),   t.acked(),          t.delivered(),    t.expected(),      t.lost(),
              t.duplicated(), t.out_of_order(), t.errors(),      t.wire_bytes_in(), t.wire_bytes_out(),
              t.logical_bytes_in(), t.logical_bytes_out()};

  if (s.has_last_second()) add_point(s);
  if (s.windows_complete() > 0 && (cumulative_.empty() || s.windows_complete() > cumulative_.back().windows)) {
    add_cumulative(s);
    rebuild_histograms();
  }
  ++c.version;
}

void snapshot_builder::add_point(const control::RunSnapshot& s) {
  chart_point p;
  const auto& l = s.last_second();
  std::uint32_t users = 0;
  for (const auto& a : s.agents()) users += a.active_users();
  p.active_users = static_cast<float>(users);
  p.sends = static_cast<float>(l.sent());
  p.deliveries = static_cast<float>(l.delivered());
  p.errors = static_cast<float>(l.errors());
  const auto e2e = latency_view::from_proto(s.last_second_latencies().e2e());
  const auto ack = latency_view::from_proto(s.last_second_latencies().ack());
  const double qs[3]{50, 95, 99};
  for (int i = 0; i < 3; ++i) {
    p.e2e[i] = ms(e2e.percentile(qs[i]));
    p.ack[i] = ms(ack.percentile(qs[i]));
  }
  points_.push(p);
  last_point_second_ = s.windows_complete() ? s.windows_complete() - 1 : last_point_second_ + 1;

  auto& ch = current_.charts;
  ch = {};
  ch.first_second = last_point_second_ + 1 - points_.size();
  for (std::size_t i = 0; i < points_.size(); ++i) {
    const auto& q = points_[i];
    ch.active_users.push_back(q.active_users);
    ch.sends.push_back(q.sends);
    ch.deliveries.push_back(q.deliveries);
    ch.errors.push_back(q.errors);
    ch.e2e_p50.push_back(q.e2e[0]);
    ch.e2e_p95.push_back(q.e2e[1]);
    ch.e2e_p99.push_back(q.e2e[2]);
    ch.ack_p50.push_back(q.ack[0]);
    ch.ack_p95.push_back(q.ack[1]);
    ch.ack_p99.push_back(q.ack[2]);
  }
}

void snapshot_builder::add_cumulative(const control::RunSnapshot& s) {
  cumulative entry;
  entry.windows = s.windows_complete();
  entry.by_source[all_regions] = views_of(s.total_latencies());
  for (const auto& r : s.regions()) entry.by_source[r.region()] = views_of(r.total());
  cumulative_.push(std::move(entry));
}

span_histogram snapshot_builder::cut(const std::string& source, std::size_t metric, std::uint64_t seconds) const {
  const auto& latest = cumulative_.back();
  const auto it = latest.by_source.find(source);
  if (it == latest.by_source.end()) return {};
  const auto& now = it->second[metric];
  // The whole run fits in the span: nothing to subtract.
  if (latest.windows <= seconds) return {log_bins::from(now), latest.windows};
  // The newest earlier entry at least `seconds` back; short of that, the oldest kept.
  const cumulative* base = nullptr;
  for (std::size_t i = cumulative_.size(); i-- > 0;) {
    if (cumulative_[i].windows + seconds <= latest.windows) {
      base = &cumulative_[i];
      break;
    }
  }
  if (!base && cumulative_.size() > 1) base = &cumulative_[0];
  if (!base) return {};
  const auto b = base->by_source.find(source);
  const latency_view earlier = b == base->by_source.end() ? latency_view{} : b->second[metric];
  return {log_bins::from(now.minus(earlier)), latest.windows - base->windows};
}

void snapshot_builder::rebuild_histograms() {
  auto& c = current_;
  c.sources.clear();
  c.histograms.clear();
  const auto& latest = cumulative_.back();
  c.sources.push_back(all_regions);
  for (const auto& [source, views] : latest.by_source)
    if (source != all_regions) c.sources.push_back(source);
  for (const auto& source : c.sources) {
    auto& h = c.histograms[source];
    for (std::size_t m = 0; m < all_latency_metrics.size(); ++m) {
      h[m][static_cast<std::size_t>(span::last_second)] = cut(source, m, 1);
      h[m][static_cast<std::size_t>(span::last_minute)] = cut(source, m, 60);
      h[m][static_cast<std::size_t>(span::whole_run)] = {log_bins::from(latest.by_source.at(source)[m]), latest.windows};
    }
  }
}

}  // namespace throng::panel
