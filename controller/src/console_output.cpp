#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "summary_text.hpp"
#include "throng/common/units.hpp"
#include "throng/controller/output.hpp"

namespace throng::controller {

namespace {

class console_output final : public output {
 public:
  explicit console_output(std::FILE* out) : out_(out), tty_(isatty(fileno(out))) {}

  void start(const run_info& info) override {
    info_ = info;
    fmt::print(out_, "throng: {} - {} users, {} sends/s for {}, {} agent(s), target {}{}\n", info.scenario_name,
               format_count(static_cast<double>(info.users)), format_count(info.rate_per_s),
               format_duration(info.duration_ns), info.agents.size(), info.target_url,
               info.target_spawned ? " (reference server)" : "");
    if (info.groups.size() > 1)
      for (const auto& g : info.groups)
        fmt::print(out_, "  {}: {} {} users, {} rooms, {} sends/s from {} for {}\n", g.tag, g.executor,
                   format_count(static_cast<double>(g.users)), g.rooms, format_count(g.send_rate_per_s),
                   format_duration(g.start_ns), format_duration(g.duration_ns));
    std::fflush(out_);
  }

  void add(const interval_view& v) override {
    cumulative_.merge(v.stats.counters);
    const auto& c = v.stats.counters;
    const double elapsed = static_cast<double>(v.window + 1);
    const double duration = static_cast<double>(info_.duration_ns) / 1e9;
    const std::string clock = elapsed <= duration ? fmt::format("{:>4.0f}s/{:.0f}s", elapsed, duration)
                                                  : fmt::format("drain +{:.0f}s", elapsed - duration);
    const auto quantile = [&](double q) {
      return v.stats.e2e.count() ? format_duration(v.stats.e2e.percentile(q)) : std::string("-");
    };
    std::string line = fmt::format(
        "[{}] users {:>6}  sent {:>6} ({}/s)  acked {:>6}  delivered {:>7} ({}/s)  errors {}  "
        "e2e p50 {} p95 {} p99 {}{}",
        clock, v.active_users,
        format_count(static_cast<double>(cumulative_.sent)), format_count(static_cast<double>(c.sent)),
        format_count(static_cast<double>(cumulative_.acked)), format_count(static_cast<double>(cumulative_.delivered)),
        format_count(static_cast<double>(c.delivered)), cumulative_.errors, quantile(50), quantile(95), quantile(99),
        v.thresholds_total == 0     ? std::string()
        : v.thresholds_failing == 0 ? fmt::format("  thresholds {}/{} ok", v.thresholds_total, v.thresholds_total)
                                    : fmt::format("  thresholds {} FAILING", v.thresholds_failing));
    if (tty_) {
      // Rewritten in place: a line wider than the terminal would wrap and defeat \r.
      winsize ws{};
      if (ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col)
        line.resize(ws.ws_col - 1);
      fmt::print(out_, "\r\033[K{}", line);
    }
    else fmt::print(out_, "{}\n", line);
    std::fflush(out_);
  }

  std::string stop(const run_summary& s) override {
    if (tty_) fmt::print(out_, "\n");
    const auto& c = s.total.counters;
    std::string text;
    text += fmt::format("\n{} in {}\n\n", s.completed ? "run complete" : "run ABORTED", format_duration(s.elapsed_ns));
    text += format_stats_tables(s.total);
    text += fmt::format("\n  ack and e2e count from the intended send time (open model); e2e in controller time,\n"
                        "  exact within the clock offset error bound of +/-{}; max agent loop lag {:.1f}ms\n",
                        format_duration(s.max_clock_error_ns), s.max_loop_lag_ms);
    text += format_stats_details(c);
    if (c.expected > 0 && c.delivered != c.expected)  // 0: membership changed during the run, nothing to compare
      text += fmt::format("  note: {} of {} expected deliveries arrived\n", c.delivered, c.expected);
    if (const auto rows = tag_rows(s); !rows.empty()) {
      text += fmt::format("\n  {:<28} {:>8} {:>9} {:>10} {:>7} {:>7} {:>10} {:>10}\n", "by tag", "users", "sent",
                          "delivered", "lost", "errors", "e2e p95", "e2e p99");
      for (const auto& r : rows)
        text += fmt::format("  {:<28} {:>8} {:>9} {:>10} {:>7} {:>7} {:>10} {:>10}\n", r.key + " " + r.value, r.users,
                            r.sent, r.delivered, r.lost, r.errors, r.e2e_p95, r.e2e_p99);
    }
    for (const auto& w : s.warnings) text += fmt::format("  warning: {}\n", w);
    for (const auto& p : s.problems) text += fmt::format("  problem: {}\n", p);
    if (!s.thresholds.empty()) {
      text += "\n  thresholds\n";
      for (const auto& t : s.thresholds)
        text += fmt::format("  {} {:<40} {}\n", t.passed ? "ok  " : "FAIL", t.spec.name(), t.shown);
    }
    text += fmt::format("\n  verdict: {}{}\n", verdict_word(s.exit_code), s.degraded ? " (degraded: an agent was lost)" : "");
    fmt::print(out_, "{}", text);
    std::fflush(out_);
    return {};
  }

 private:
  std::FILE* out_;
  bool tty_;
  run_info info_;
  run_counters cumulative_;
};

}  // namespace

std::unique_ptr<output> make_console_output(std::FILE* out) { return std::make_unique<console_output>(out); }

}  // namespace throng::controller
