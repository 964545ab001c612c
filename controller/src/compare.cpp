#include "throng/controller/compare.hpp"

#include <fmt/format.h>

#include <cmath>

#include "throng/common/units.hpp"

namespace throng::controller {

namespace {

double relative_change(double base, double current) {
  if (base == 0) return current == 0 ? 0 : INFINITY;
  return (current - base) / base;
}

double seconds_of(const saved_report& r) {
  return std::max(1.0, static_cast<double>(std::min(r.summary.elapsed_ns, r.info.duration_ns)) / 1e9);
}

}  // namespace

std::vector<comparison_row> compare_reports(const saved_report& base, const saved_report& current, double max_regression) {
  std::vector<comparison_row> rows;
  const auto& b = base.summary.total;
  const auto& c = current.summary.total;
  // Latencies: lower is better.
  for (const auto& [name, field] : {std::pair{"connect", &run_stats::connect}, {"ack", &run_stats::ack},
                                    {"e2e", &run_stats::e2e}, {"history", &run_stats::history}}) {
    const histogram& hb = b.*field;
    const histogram& hc = c.*field;
    if (!hb.count() || !hc.count()) continue;
    for (const double p : {50.0, 95.0, 99.0}) {
      comparison_row row;
      row.metric = fmt::format("{} p{}", name, p);
      row.base = static_cast<double>(hb.percentile(p));
      row.current = static_cast<double>(hc.percentile(p));
      row.base_shown = format_duration(static_cast<std::int64_t>(row.base));
      row.current_shown = format_duration(static_cast<std::int64_t>(row.current));
      row.change = relative_change(row.base, row.current);
      row.regression = row.change > max_regression;
      rows.push_back(row);
    }
  }
  // Throughput: higher is better.
  for (const auto& [name, field] : {std::pair{"sent/s", &run_counters::sent}, {"delivered/s", &run_counters::delivered}}) {
    comparison_row row;
    row.metric = name;
    row.higher_is_better = true;
    row.base = static_cast<double>(b.counters.*field) / seconds_of(base);
    row.current = static_cast<double>(c.counters.*field) / seconds_of(current);
    row.base_shown = format_count(row.base);
    row.current_shown = format_count(row.current);
    row.change = relative_change(row.base, row.current);
    row.regression = row.change < -max_regression;
    rows.push_back(row);
  }
  // Loss and errors: fractions, lower is better; any rise from zero is a regression.
  const auto fraction_row = [&](const char* name, std::uint64_t bn, std::uint64_t bd, std::uint64_t cn, std::uint64_t cd) {
    comparison_row row;
    row.metric = name;
    row.base = bd ? static_cast<double>(bn) / static_cast<double>(bd) : 0;
    row.current = cd ? static_cast<double>(cn) / static_cast<double>(cd) : 0;
    row.base_shown = fmt::format("{:.3g}", row.base);
    row.current_shown = fmt::format("{:.3g}", row.current);
    row.change = relative_change(row.base, row.current);
    row.regression = row.current > 0 && row.change > max_regression;
    rows.push_back(row);
  };
  fraction_row("lost fraction", b.counters.lost, b.counters.expected, c.counters.lost, c.counters.expected);
  fraction_row("error fraction", b.counters.errors, b.counters.sent, c.counters.errors, c.counters.sent);
  fraction_row("connect error fraction", b.counters.connect_errors, b.counters.connects + b.counters.connect_errors,
               c.counters.connect_errors, c.counters.connects + c.counters.connect_errors);
  return rows;
}

std::string format_comparison(const std::vector<comparison_row>& rows, double max_regression) {
  std::string out = fmt::format("{:<24} {:>12} {:>12} {:>9}\n", "metric", "base", "new", "change");
  std::size_t regressions = 0;
  for (const auto& r : rows) {
    const std::string change = std::isinf(r.change) ? "new" : fmt::format("{:+.1f}%", r.change * 100);
    out += fmt::format("{:<24} {:>12} {:>12} {:>9}{}\n", r.metric, r.base_shown, r.current_shown, change,
                       r.regression ? "  REGRESSION" : "");
    regressions += r.regression ? 1 : 0;
  }
  out += regressions ? fmt::format("\n{} regression(s) beyond {:.1f}%\n", regressions, max_regression * 100)
                     : fmt::format("\nno regression beyond {:.1f}%\n", max_regression * 100);
  return out;
}

std::vector<std::string> comparison_caveats(const saved_report& base, const saved_report& current) {
  std::vector<std::string> caveats;
  const auto& b = base.info;
  const auto& c = current.info;
  if (b.scenario_name != c.scenario_name)
    caveats.push_back(fmt::format("the runs are of different scenarios ('{}' and '{}')", b.scenario_name, c.scenario_name));
  if (b.users != c.users || b.rate_per_s != c.rate_per_s || b.duration_ns != c.duration_ns)
    caveats.push_back(fmt::format("the planned load differs: {} users at {}/s for {} against {} users at {}/s for {}",
                                  b.users, format_count(b.rate_per_s), format_duration(b.duration_ns), c.users,
                                  format_count(c.rate_per_s), format_duration(c.duration_ns)));
  if (b.target_url != c.target_url && !(b.target_spawned && c.target_spawned))
    caveats.push_back(fmt::format("the targets differ ({} and {})", b.target_url, c.target_url));
  for (const auto* r : {&base, &current})
    if (!r->summary.completed)
      caveats.push_back(fmt::format("run {} was aborted: its figures cover only part of the plan", r->info.run_id));
  return caveats;
}

}  // namespace throng::controller
