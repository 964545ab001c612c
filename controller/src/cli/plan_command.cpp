#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/controller/estimate.hpp"

namespace throng::controller::cli {

namespace {
struct plan_args {
  std::string file;
  std::uint64_t users_per_agent = 10'000;
  double scale = 1;
};
}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<plan_args>();
  auto* cmd = app.add_subcommand("plan", "estimate what a scenario asks of the target and how many agents it needs");
  cmd->add_option("scenario", args->file, "scenario YAML file")->required();
  cmd->add_option("--users-per-agent", args->users_per_agent, "concurrent users one agent carries")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--scale", args->scale, "as throng run --scale: multiply the population")->check(CLI::PositiveNumber);
  cmd->callback([args, &exit_code] {
    auto loaded = load_scenario_file(args->file);
    for (const auto& e : loaded.errors) std::cerr << e.str() << "\n";
    if (!loaded.value) {
      exit_code = exit_bad_input;
      return;
    }
    if (args->scale != 1) loaded.value->scale(args->scale);
    std::cout << format_estimate(*loaded.value, estimate(*loaded.value, args->users_per_agent), args->users_per_agent);
    exit_code = exit_ok;
  });
}

}  // namespace throng::controller::cli
