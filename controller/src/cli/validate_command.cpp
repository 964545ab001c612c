#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/controller/scenario.hpp"

namespace throng::controller::cli {

void add_validate_command(CLI::App& app, int& exit_code) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("validate", "check scenario files and print every error with file:line:col");
  cmd->add_option("scenario", *files, "scenario YAML files")->required();
  cmd->callback([files, &exit_code] {
    exit_code = exit_ok;
    for (const auto& file : *files) {
      const auto result = load_scenario_file(file);
      for (const auto& e : result.errors) std::cerr << e.str() << "\n";
      if (result.errors.empty()) std::cout << file << ": ok\n";
      else exit_code = exit_bad_input;
    }
  });
}

}  // namespace throng::controller::cli
