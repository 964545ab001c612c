#pragma once
// One file per `throng` subcommand; each registers itself on the app and
// stores its exit code in `exit_code` when it runs.

#include <initializer_list>
#include <string>
#include <utility>

namespace CLI { class App; }
namespace throng::controller { struct run_options; }

namespace throng::controller::cli {

void add_run_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
// The listener, agent, operator and output flags `run` and `serve` share.
void add_controller_options(CLI::App& cmd, run_options& options);
// Refuses combinations that would leave a port open to anyone; false after saying why.
bool check_controller_options(run_options& options, const char* command);
// Before any work: each given result path (flag, path) can be written; false after saying which cannot.
bool result_paths_writable(const char* command, std::initializer_list<std::pair<const char*, const std::string*>> paths);
void add_validate_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);

}  // namespace throng::controller::cli
