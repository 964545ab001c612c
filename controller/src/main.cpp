// throng: the controller and CLI. Parses the command line and dispatches to
// the subcommands in src/cli/.

#include <iostream>

#include "cli/commands.hpp"
#include "throng/common/cli.hpp"
#include "throng/common/exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app{"throng: load-simulation and stress-testing for real-time chat systems"};
  app.require_subcommand(1);
  int exit_code = throng::exit_ok;
  throng::controller::cli::add_run_command(app, exit_code);
  throng::controller::cli::add_serve_command(app, exit_code);
  throng::controller::cli::add_plan_command(app, exit_code);
  throng::controller::cli::add_validate_command(app, exit_code);
  throng::controller::cli::add_report_command(app, exit_code);
  throng::controller::cli::add_compare_command(app, exit_code);
  try {
    if (auto done = throng::parse_command_line(app, argc, argv)) return *done;
  } catch (const std::exception& e) {
    std::cerr << "throng: " << e.what() << "\n";
    return throng::exit_aborted;
  }
  return exit_code;
}
