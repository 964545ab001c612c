#pragma once
// `throng compare`: two reports side by side. Latency percentiles and loss
// or error fractions must not grow, and throughput must not shrink, by more
// than the allowed regression.

#include <string>
#include <vector>

#include "throng/controller/report.hpp"

namespace throng::controller {

struct comparison_row {
  std::string metric;      // e.g. "e2e p99", "delivered/s", "lost fraction"
  double base = 0, current = 0;
  std::string base_shown, current_shown;
  double change = 0;       // relative: +0.12 is 12 % more
  bool higher_is_better = false;
  bool regression = false;
};

std::vector<comparison_row> compare_reports(const saved_report& base, const saved_report& current, double max_regression);
// Why the two runs may not be comparable (another scenario, another load or
// target, an aborted run); empty when nothing stands out.
std::vector<std::string> comparison_caveats(const saved_report& base, const saved_report& current);
// The side-by-side table.
std::string format_comparison(const std::vector<comparison_row>& rows, double max_regression);

}  // namespace throng::controller
