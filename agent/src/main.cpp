// throng-agent: parses the command line and runs a load agent.

#include <iostream>

#include "throng/agent/agent.hpp"
#include "throng/common/cli.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/log.hpp"

int main(int argc, char** argv) {
  throng::agent::agent_config config;
  bool verbose = false;
  CLI::App app{"throng-agent: a Throng load agent. It dials a controller, runs the virtual users of the plan it\n"
               "receives, and reports every second."};
  app.add_option("-c,--controller", config.controller_url, "controller agent endpoint")->capture_default_str();
  app.add_option("--token", config.token, "agent token of the controller (env THRONG_AGENT_TOKEN)")
      ->envname("THRONG_AGENT_TOKEN");
  app.add_option("--id", config.id, "agent id (default: hostname-pid)");
  app.add_option("--region", config.region, "region label reported to the controller")->capture_default_str();
  app.add_option("-t,--threads", config.threads, "worker threads; 0 = one per core")->capture_default_str();
  app.add_option("--capacity", config.capacity_users, "users this agent offers to carry")->capture_default_str();
  app.add_option("--allow-target", config.allowed_targets,
                 "host a plan may target besides loopback (repeatable); others are refused");
  app.add_option("--controller-timeout", config.controller_timeout_s, "seconds to keep trying to reach the controller")
      ->capture_default_str();
  app.add_option("--metrics-port", config.metrics_port, "serve Prometheus metrics on this port (0: off)")
      ->capture_default_str();
  app.add_option("--metrics-host", config.metrics_host, "address of the metrics listener")->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "debug logging");
  if (auto done = throng::parse_command_line(app, argc, argv)) return *done;
  if (verbose) throng::set_log_level(throng::log_level::debug);
  try {
    return throng::agent::run_agent(config);
  } catch (const std::exception& e) {
    std::cerr << "throng-agent: " << e.what() << "\n";
    return throng::exit_bad_input;
  }
}
