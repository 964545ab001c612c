#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/log.hpp"
#include "throng/common/plan_limits.hpp"
#include "throng/common/result_file.hpp"
#include "throng/common/url.hpp"
#include "throng/controller/run.hpp"
#include "throng/controller/scenario.hpp"

namespace throng::controller::cli {

namespace {
struct run_args {
  std::string file;
  run_options options;
  unsigned local_agents = 0;
  std::string target;
  bool verbose = false;
  double scale = 1;
};
}  // namespace

void add_controller_options(CLI::App& cmd, run_options& o) {
  cmd.add_option("--agents", o.remote_agents, "wait for this many remote agents instead of starting local ones");
  cmd.add_option("--expect-agents", o.expected_agents,
                 "remote agents (their --id) that must all connect; a timeout names the missing ones")
      ->delimiter(',');
  cmd.add_option("--listen", o.listen_host, "address of the agent and operator listeners")->capture_default_str();
  cmd.add_option("--agent-port", o.agent_port, "agent listener port (0: any free port)")
      ->capture_default_str()->check(CLI::Range(0, 65535));
  cmd.add_option("--agent-token", o.agent_token, "token agents must present (env THRONG_AGENT_TOKEN)")
      ->envname("THRONG_AGENT_TOKEN");
  cmd.add_option("--operator-port", o.operator_port,
                 "serve panels on ws://LISTEN:PORT/operators (a separate port from the agents')")
      ->check(CLI::Range(0, 65535));
  cmd.add_option("--operator-token", o.operator_token, "token panels must present (env THRONG_OPERATOR_TOKEN)")
      ->envname("THRONG_OPERATOR_TOKEN");
  cmd.add_option("--agent-wait", o.agent_wait_s, "seconds to wait for agents to connect")->capture_default_str();
  cmd.add_option("--report", o.report_path, "write the JSON report here");
  cmd.add_option("--junit", o.junit_path, "write a JUnit XML report here (a test case per threshold)");
  cmd.add_option("--markdown", o.markdown_path, "write a Markdown summary here");
  cmd.add_option("--work-dir", o.work_dir, "directory for the logs of local processes");
}

bool check_controller_options(run_options& o, const char* command) {
  o.remote_agents = std::max<unsigned>(o.remote_agents, static_cast<unsigned>(o.expected_agents.size()));
  if (o.remote_agents && o.agent_token.empty()) {
    std::cerr << command << ": --agents needs --agent-token (or THRONG_AGENT_TOKEN) so only your agents can join\n";
    return false;
  }
  if (o.operator_port && o.operator_token.empty()) {
    std::cerr << command << ": --operator-port needs --operator-token (or THRONG_OPERATOR_TOKEN) so only your panels "
                            "can steer the run\n";
    return false;
  }
  if (!result_paths_writable(command, {{"--report", &o.report_path}, {"--junit", &o.junit_path},
                                       {"--markdown", &o.markdown_path}}))
    return false;
  if (!o.work_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.work_dir, ec);
    const auto problem = ec ? "cannot create it: " + ec.message() : result_path_problem(o.work_dir + "/server.log");
    if (!problem.empty()) {
      std::cerr << command << ": --work-dir " << o.work_dir << ": " << problem << "\n";
      return false;
    }
  }
  if (o.remote_agents && o.agent_port == 0) o.agent_port = 7700;
  return true;
}

bool result_paths_writable(const char* command, std::initializer_list<std::pair<const char*, const std::string*>> paths) {
  // Before the run, not after it: a typo in a path must not cost the run's results.
  for (const auto& [flag, path] : paths) {
    if (path->empty()) continue;
    if (const auto problem = result_path_problem(*path); !problem.empty()) {
      std::cerr << command << ": " << flag << ": " << problem << "\n";
      return false;
    }
  }
  return true;
}

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<run_args>();
  auto* cmd = app.add_subcommand("run", "run a scenario: local agents by default, or --agents N remote ones");
  cmd->add_option("scenario", args->file, "scenario YAML file")->required();
  cmd->add_option("--local-agents", args->local_agents, "override the scenario's number of local agents")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("--target", args->target, "override the scenario's target with this ws:// URL");
  add_controller_options(*cmd, args->options);
  cmd->add_option("--scale", args->scale,
                  "multiply the population (users, arrival and total rates) by this factor, e.g. 0.0001 for a "
                  "scaled-down run of a large model")
      ->check(CLI::PositiveNumber & CLI::Range(0.0, 1e6));
  cmd->add_flag("-v,--verbose", args->verbose, "debug logging");
  cmd->callback([args, &exit_code] {
    if (args->verbose) set_log_level(log_level::debug);
    auto loaded = load_scenario_file(args->file);
    for (const auto& e : loaded.errors) std::cerr << e.str() << "\n";
    if (!loaded.value) {
      exit_code = exit_bad_input;
      return;
    }
    scenario s = *loaded.value;
    if (args->local_agents) s.local_agents = args->local_agents;
    if (args->scale != 1) s.scale(args->scale);
    if (s.total_users() > max_user_slots) {
      std::cerr << "throng run: --scale " << args->scale << " makes " << s.total_users()
                << " user slots; a run has at most " << max_user_slots << "\n";
      exit_code = exit_bad_input;
      return;
    }
    if (!args->target.empty()) {
      const auto url = parse_ws_url(args->target);
      if (!url || url->tls) {
        std::cerr << "throng run: --target '" << args->target << "' is not a ws://host:port/path URL\n";
        exit_code = exit_bad_input;
        return;
      }
      s.target_urls = {args->target};
      s.spawn_server = false;
      if (s.test_token_secret.empty())
        if (const char* env = std::getenv("THRONG_TEST_TOKEN_SECRET")) s.test_token_secret = env;
      if (s.mints_tokens() && s.test_token_secret.empty()) {
        std::cerr << "throng run: --target needs the server's test token secret to mint user tokens: set "
                     "THRONG_TEST_TOKEN_SECRET (the server's --test-token-secret), or use auth: anonymous\n";
        exit_code = exit_bad_input;
        return;
      }
    }
    if (!check_controller_options(args->options, "throng run")) {
      exit_code = exit_bad_input;
      return;
    }
    exit_code = run_scenario(s, args->options);
  });
}

}  // namespace throng::controller::cli
