// A Markdown summary, e.g. for $GITHUB_STEP_SUMMARY or a pull-request comment.

#include <fmt/format.h>

#include "summary_text.hpp"
#include "throng/common/result_file.hpp"
#include "throng/common/units.hpp"
#include "throng/controller/output.hpp"

namespace throng::controller {

namespace {

class markdown_summary final : public output {
 public:
  explicit markdown_summary(std::string path) : path_(std::move(path)) {}
  void start(const run_info& info) override { info_ = info; }
  std::string stop(const run_summary& s) override {
    const auto& c = s.total.counters;
    std::string md = fmt::format("## Throng: {} — {}\n\n", info_.scenario_name, verdict_word(s.exit_code));
    md += fmt::format("{} users, {} sends/s planned for {}, {} agent(s), target `{}`; ran {}.\n\n",
                      format_count(static_cast<double>(info_.users)), format_count(info_.rate_per_s),
                      format_duration(info_.duration_ns), s.agents.size(), info_.target_url, format_duration(s.elapsed_ns));
    if (!s.thresholds.empty()) {
      md += "| threshold | value | result |\n| --- | --- | --- |\n";
      for (const auto& t : s.thresholds)
        md += fmt::format("| `{}` | {} | {} |\n", t.spec.name(), t.shown, t.passed ? "✅ pass" : "❌ fail");
      md += "\n";
    }
    md += "| sent | acked | delivered | expected | lost | dropped | errors |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n\n", c.sent, c.acked, c.delivered, c.expected, c.lost,
                      c.dropped, c.errors);
    md += "| latency | count | p50 | p95 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: |\n";
    for (const auto& [name, h] : {std::pair{"connect", &s.total.connect}, {"ack", &s.total.ack}, {"e2e", &s.total.e2e},
                                  {"history", &s.total.history}, {"agent overhead", &s.total.agent_added}}) {
      if (!h->count()) continue;
      md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", name, h->count(), format_duration(h->percentile(50)),
                        format_duration(h->percentile(95)), format_duration(h->percentile(99)), format_duration(h->max()));
    }
    if (const auto rows = tag_rows(s); !rows.empty()) {
      md += "\n| tag | users | sent | delivered | lost | errors | e2e p95 | e2e p99 |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
      for (const auto& r : rows)
        md += fmt::format("| {} `{}` | {} | {} | {} | {} | {} | {} | {} |\n", r.key, r.value, r.users, r.sent, r.delivered,
                          r.lost, r.errors, r.e2e_p95, r.e2e_p99);
    }
    md += fmt::format("\nLatencies count from the intended send time; e2e is in controller time within ±{}. "
                      "Agent overhead is the agents' own part of ack.\n",
                      format_duration(s.max_clock_error_ns));
    for (const auto& w : s.warnings) md += fmt::format("\n> warning: {}\n", w);
    for (const auto& p : s.problems) md += fmt::format("\n> problem: {}\n", p);
    return write_result_file(path_, md);
  }

 private:
  std::string path_;
  run_info info_;
};

}  // namespace

std::unique_ptr<output> make_markdown_summary(std::string path) {
  return std::make_unique<markdown_summary>(std::move(path));
}

}  // namespace throng::controller
