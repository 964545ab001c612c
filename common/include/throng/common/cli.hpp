#pragma once
// Command-line parsing shared by every binary's main.cpp (CLI11 is header-only).

#include <CLI/CLI.hpp>

#include <optional>

#include "throng/common/exit_codes.hpp"

namespace throng {

// Parses argv. Returns the exit code to leave with (0 after --help, 2 for a
// bad flag, with CLI11's message printed) or nullopt to go on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_bad_input;
  }
  return std::nullopt;
}

}  // namespace throng
