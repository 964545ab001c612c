#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/controller/output.hpp"
#include "throng/controller/report.hpp"

namespace throng::controller::cli {

namespace {
struct report_args {
  std::string file, junit, markdown;
};
}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<report_args>();
  auto* cmd = app.add_subcommand("report", "re-render a saved JSON report: the summary, and JUnit or Markdown on request");
  cmd->add_option("report", args->file, "a JSON report written by throng run --report")->required();
  cmd->add_option("--junit", args->junit, "also write JUnit XML here");
  cmd->add_option("--markdown", args->markdown, "also write a Markdown summary here");
  cmd->callback([args, &exit_code] {
    if (!result_paths_writable("throng report", {{"--junit", &args->junit}, {"--markdown", &args->markdown}})) {
      exit_code = exit_bad_input;
      return;
    }
    saved_report report;
    try {
      report = load_report(args->file);
    } catch (const std::exception& e) {
      std::cerr << "throng report: " << e.what() << "\n";
      exit_code = exit_bad_input;
      return;
    }
    std::vector<std::unique_ptr<output>> outputs;
    outputs.push_back(make_console_output(stdout));
    if (!args->junit.empty()) outputs.push_back(make_junit_report(args->junit));
    if (!args->markdown.empty()) outputs.push_back(make_markdown_summary(args->markdown));
    // The verdict of the run it describes, unless a file asked for could not be written.
    exit_code = report.summary.exit_code;
    for (auto& o : outputs) {
      o->start(report.info);
      if (const auto failed = o->stop(report.summary); !failed.empty()) {
        std::cerr << "throng report: " << failed << "\n";
        exit_code = exit_aborted;
      }
    }
  });
}

}  // namespace throng::controller::cli
