#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/log.hpp"
#include "throng/controller/run.hpp"

namespace throng::controller::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<run_options>();
  auto verbose = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "serve", "wait for a panel on the operator port to start a scenario, run it, and exit with its verdict");
  add_controller_options(*cmd, *options);
  cmd->add_flag("-v,--verbose", *verbose, "debug logging");
  cmd->callback([options, verbose, &exit_code] {
    if (*verbose) set_log_level(log_level::debug);
    if (!options->operator_port) {
      std::cerr << "throng serve: give --operator-port (and --operator-token): a panel starts the scenario there\n";
      exit_code = exit_bad_input;
      return;
    }
    if (!check_controller_options(*options, "throng serve")) {
      exit_code = exit_bad_input;
      return;
    }
    exit_code = serve_one_run(*options);
  });
}

}  // namespace throng::controller::cli
