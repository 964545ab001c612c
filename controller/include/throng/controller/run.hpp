#pragma once
// `throng run`: coordinates one scenario across agents, live, to a verdict.

#include <string>
#include <vector>

#include "throng/controller/scenario.hpp"

namespace throng::controller {

struct run_options {
  std::string listen_host = "127.0.0.1";
  unsigned short agent_port = 0;      // 0: any free port (local mode)
  std::string agent_token;            // empty: a random one (local mode only)
  unsigned remote_agents = 0;         // 0: local mode, spawn agents; N: wait for N remote agents
  std::vector<std::string> expected_agents;  // remote agents that must all connect, by --id (implies remote mode)
  unsigned short operator_port = 0;   // 0: no operator port; else panels connect to /operators here
  std::string operator_token;         // operators must present it (required with operator_port)
  double agent_wait_s = 30;           // how long to wait for agents to dial in
  std::string report_path;            // JSON report, when set
  std::string junit_path;             // JUnit XML, when set
  std::string markdown_path;          // Markdown summary, when set
  std::string bin_dir;                // where throng-server and throng-agent live; default: next to throng
  std::string work_dir;               // logs of spawned processes; default: a new temporary directory
};

// Returns the exit code: 0 pass, 1 threshold failed, 2 bad input, 3 aborted.
int run_scenario(const scenario& s, const run_options& options);
// `throng serve`: listens, waits for an operator to start a scenario file on
// the operator port, runs it, and returns its exit code.
int serve_one_run(const run_options& options);

}  // namespace throng::controller
