#include "summary_text.hpp"

#include <fmt/format.h>

#include "throng/common/exit_codes.hpp"
#include "throng/common/units.hpp"

namespace throng::controller {

const char* verdict_word(int exit_code) {
  switch (exit_code) {
    case exit_ok: return "PASS";
    case exit_threshold_failed: return "FAIL";
    default: return "ABORTED";
  }
}

std::vector<tag_row> tag_rows(const run_summary& s) {
  std::vector<tag_row> rows;
  for (const auto& [key, values] : s.tags) {
    if (values.size() < 2) continue;  // one value only repeats the totals
    for (const auto& [value, stats] : values) {
      const auto& c = stats.counters;
      const auto q = [&](double p) { return stats.e2e.count() ? format_duration(stats.e2e.percentile(p)) : std::string("-"); };
      std::uint64_t users = 0;
      for (const auto& a : s.agents)
        if ((key == "group" && a.group == value) || (key == "region" && a.region == value) ||
            (key == "scenario" && a.group.rfind(value + "/", 0) == 0))
          users += a.users;
      rows.push_back({key, value, format_count(static_cast<double>(users)), format_count(static_cast<double>(c.sent)),
                      format_count(static_cast<double>(c.delivered)), fmt::format("{}", c.lost),
                      fmt::format("{}", c.errors), q(95), q(99)});
    }
  }
  return rows;
}

}  // namespace throng::controller
