// throng: the controller and CLI. Parses the command line and dispatches to
// the subcommands in src/cli/.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "throng/common/exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app{"throng: load-simulation and stress-testing for real-time chat systems"};
  app.require_subcommand(1);
  int exit_code = throng::exit_ok;
  throng::controller::cli::add_run_command(app, exit_code);
  throng::controller::cli::add_validate_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? throng::exit_ok : throng::exit_bad_input;
  } catch (const std::exception& e) {
    std::cerr << "throng: " << e.what() << "\n";
    return throng::exit_aborted;
  }
  return exit_code;
}
