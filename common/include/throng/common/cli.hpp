#pragma once
// Command-line parsing shared by every binary's main.cpp (CLI11 is header-only).

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "throng/common/exit_codes.hpp"
#include "throng/common/version.hpp"  // generated: link throng::version

namespace throng {

// CLI11 reads an unsigned option with strtoull, which takes "-5" as 2^64 - 5:
// every unsigned option (here and in its subcommands) refuses a sign instead.
inline void refuse_negative_counts(CLI::App& app) {
  const CLI::Validator no_sign(
      [](std::string& value) { return !value.empty() && value[0] == '-' ? std::string("must not be negative") : std::string(); },
      "");
  for (auto* option : app.get_options())
    if (option->get_type_name().rfind("UINT", 0) == 0) option->check(no_sign);
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) refuse_negative_counts(*sub);
}

// Parses argv, with --version. Returns the exit code to leave with (0 after
// --help or --version, 2 for a bad flag, with CLI11's message printed) or
// nullopt to go on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  const std::string program = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "throng";
  app.set_version_flag("--version", program + " " + version);
  refuse_negative_counts(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_bad_input;
  }
  return std::nullopt;
}

}  // namespace throng
