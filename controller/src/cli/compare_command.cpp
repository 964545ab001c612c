#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/controller/compare.hpp"

namespace throng::controller::cli {

namespace {
struct compare_args {
  std::string base, current, max_regression = "10%";
};

// "10%" or "0.1".
std::optional<double> parse_fraction(std::string text) {
  const bool percent = !text.empty() && text.back() == '%';
  if (percent) text.pop_back();
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size() || v < 0) return std::nullopt;
    return percent ? v / 100 : v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}
}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<compare_args>();
  auto* cmd = app.add_subcommand("compare", "compare two JSON reports; exit 1 when NEW regressed beyond --max-regression");
  cmd->add_option("base", args->base, "the baseline report")->required();
  cmd->add_option("new", args->current, "the report to judge")->required();
  cmd->add_option("--max-regression", args->max_regression,
                  "allowed change for the worse: latency percentiles and loss up, throughput down (10% or 0.1)")
      ->capture_default_str();
  cmd->callback([args, &exit_code] {
    const auto limit = parse_fraction(args->max_regression);
    if (!limit) {
      std::cerr << "throng compare: --max-regression '" << args->max_regression << "' is not a percentage such as 10%\n";
      exit_code = exit_bad_input;
      return;
    }
    saved_report base, current;
    try {
      base = load_report(args->base);
      current = load_report(args->current);
    } catch (const std::exception& e) {
      std::cerr << "throng compare: " << e.what() << "\n";
      exit_code = exit_bad_input;
      return;
    }
    for (const auto& caveat : comparison_caveats(base, current)) std::cerr << "throng compare: warning: " << caveat << "\n";
    const auto rows = compare_reports(base, current, *limit);
    std::cout << "base " << args->base << " (" << base.info.scenario_name << ", " << base.info.run_id << ")\nnew  "
              << args->current << " (" << current.info.scenario_name << ", " << current.info.run_id << ")\n\n"
              << format_comparison(rows, *limit);
    bool regressed = false;
    for (const auto& r : rows) regressed = regressed || r.regression;
    exit_code = regressed ? exit_threshold_failed : exit_ok;
  });
}

}  // namespace throng::controller::cli
