#pragma once
// One file per `throng` subcommand; each registers itself on the app and
// stores its exit code in `exit_code` when it runs.

namespace CLI { class App; }

namespace throng::controller::cli {

void add_run_command(CLI::App& app, int& exit_code);
void add_validate_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);

}  // namespace throng::controller::cli
