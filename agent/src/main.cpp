// throng-agent: parses the command line and runs a load agent, or a
// standalone run (`throng-agent run`).

#include <cstdlib>
#include <iostream>

#include "control.pb.h"
#include "throng/agent/agent.hpp"
#include "throng/common/cli.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/log.hpp"
#include "throng/common/plan_limits.hpp"
#include "throng/common/result_file.hpp"
#include "throng/common/units.hpp"

namespace {
// CLI11 validators for human units.
struct duration_flag {
  std::int64_t& out;
  std::string operator()(const std::string& text) const {
    const auto v = throng::parse_duration_ns(text);
    if (!v || *v < 0) return "'" + text + "' is not a duration like 500ms, 30s or 5m";
    out = *v;
    return {};
  }
};
}  // namespace

int main(int argc, char** argv) {
  throng::agent::agent_config config;
  throng::agent::standalone_options standalone;
  bool verbose = false;
  std::string duration_text, drain_text, rate_text;
  CLI::App app{"throng-agent: a Throng load agent. It dials a controller, runs the virtual users of the plan it\n"
               "receives, and reports every second. `throng-agent run` tries a server without a controller."};
  app.add_option("-c,--controller", config.controller_url, "controller agent endpoint")->capture_default_str();
  app.add_option("--token", config.token, "agent token of the controller (env THRONG_AGENT_TOKEN)")
      ->envname("THRONG_AGENT_TOKEN");
  app.add_option("--id", config.id, "agent id (default: hostname-pid)");
  app.add_option("--region", config.region, "region label reported to the controller")->capture_default_str();
  app.add_option("-t,--threads", config.threads, "worker threads per process; 0 = one per core")
      ->check(CLI::Range(0u, 1024u))
      ->capture_default_str();
  app.add_option("--capacity", config.capacity_users, "users this agent offers to carry")
      ->check(CLI::Range(std::uint64_t{1}, throng::max_user_slots))
      ->capture_default_str();
  app.add_option("--allow-target", config.allowed_targets,
                 "host or host:port a plan may target (repeatable); without it only loopback targets are allowed");
  app.add_option("--source-ips", config.source_ips,
                 "local addresses to spread connections over, e.g. 127.0.0.2-127.0.0.60 or 10.0.0.5,10.0.0.6");
  app.add_option("--processes", config.processes,
                 "agent processes on this host; 0 = as many as the open-file limit needs for --capacity")
      ->check(CLI::Range(0u, 10'000u))
      ->capture_default_str();
  app.add_option("--controller-timeout", config.controller_timeout_s,
                 "seconds to keep trying to reach (or get back to) the controller")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--dead-man", config.dead_man_s, "seconds without the controller after which a run stops its load")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--metrics-port", config.metrics_port, "serve Prometheus metrics on this port (0: off)")
      ->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--metrics-host", config.metrics_host, "address of the metrics listener")->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "debug logging");

  auto* run = app.add_subcommand("run", "run load from these flags, without a controller, and print a summary");
  run->fallthrough();  // the agent's own flags (--source-ips, --allow-target, -t) also after `run`
  run->add_option("--target", standalone.targets, "ws://host:port/ws of the server (repeatable: users spread over them)")
      ->capture_default_str();
  run->add_option("-u,--users", standalone.users, "concurrent users")->capture_default_str();
  run->add_option("-r,--rate", rate_text, "sends per second, all users together (e.g. 500, 10k); 0 = listen only")
      ->default_str("100");
  run->add_option("--send-model", standalone.send_model, "fixed or poisson gaps between a user's sends; group: --rate in total, each send by the next user in turn; "
                  "closed: each user sends again as soon as it has the ack (ignores --rate)")
      ->capture_default_str();
  run->add_option("-d,--duration", duration_text, "how long to send (e.g. 30s, 5m)")->default_str("30s");
  run->add_option("--drain", drain_text, "how long to keep listening after the last send")->default_str("2s");
  run->add_option("--rooms", standalone.rooms, "rooms; user i joins room i % rooms")->capture_default_str();
  run->add_option("--message-size", standalone.message_size,
                  "body size: bytes (200, 1KiB) or a distribution (uniform:32B..512B, normal:200B,50B), at most 16MiB")
      ->capture_default_str();
  run->add_option("--dup-factor", standalone.dup_factor, "the server handles each body repeated this many times")
      ->capture_default_str();
  run->add_flag("--json", standalone.json, "speak the JSON encoding (text frames)");
  run->add_flag_callback("--no-batch", [&standalone] { standalone.batch = false; },
                         "do not announce the batch capability: the server sends one frame per message");
  run->add_option("--auth", standalone.auth, "anonymous, minted (tokens signed with --token-secret) or register")
      ->capture_default_str();
  run->add_option("--token-secret", standalone.token_secret, "the server's --test-token-secret (env THRONG_TEST_TOKEN_SECRET)")
      ->envname("THRONG_TEST_TOKEN_SECRET");
  run->add_option("--connect-rate", standalone.connect_rate, "new connections per second; 0 = unpaced")
      ->capture_default_str();
  run->add_option("--connect-attempts", standalone.connect_attempts,
                  "attempts per session (with backoff, each within the 10 s connect timeout) before a user gives up")
      ->capture_default_str();
  run->add_option("--seed", standalone.seed, "seed of every random choice")->capture_default_str();
  run->add_option("--session-duration", standalone.session_duration,
                  "how long a user stays before a new one takes its place: 30s, exp:30s, uniform:10s..60s, "
                  "normal:30s,5s or lognormal:30s,0.5 (default: the whole run)");
  run->add_option("--think-time", standalone.think_time,
                  "each user waits this long between sends (same forms as --session-duration), instead of --rate");
  run->add_option("--arrival-rate", standalone.arrival_rate_per_s,
                  "open model: new users arrive at this rate per second (with --session-duration; --users is then "
                  "the number of user slots)");
  std::vector<std::string> storms, bursts, pauses;
  run->add_option("--storm", storms,
                  "reconnect storm AT:FRACTION[:WINDOW] (repeatable), e.g. 5s:0.3:1s drops 30% of the users "
                  "within 1 s, 5 s into the run; they come back with jittered backoff and replay what they missed");
  run->add_option("--burst", bursts, "AT:MULTIPLIER:LENGTH (repeatable), e.g. 10s:3:5s: three times the send rate for 5 s");
  run->add_option("--pause", pauses, "AT:LENGTH (repeatable), e.g. 10s:2s: no sends for 2 s");
  run->add_option("--room-choice", standalone.room_choice, "how users pick rooms: round-robin, uniform or zipf (hot rooms)")
      ->capture_default_str();
  run->add_option("--rooms-per-user", standalone.rooms_per_user, "rooms each user joins")->capture_default_str();
  run->add_option("--zipf", standalone.zipf_s, "exponent of the Zipf law for --room-choice zipf")->capture_default_str();
  std::string ramp_text;
  run->add_option("--ramp-up", ramp_text, "grow from 0 to --users over this long before --duration starts (e.g. 30s)");
  run->add_option("--summary-json", config.summary_json, "also write the summary to this file as JSON");

  if (auto done = throng::parse_command_line(app, argc, argv)) return *done;
  if (verbose) throng::set_log_level(throng::log_level::debug);
  try {
    if (!run->parsed()) return throng::agent::run_agent_processes(config);
    if (!duration_text.empty() && !(duration_flag{standalone.duration_ns}(duration_text)).empty())
      throw std::invalid_argument("--duration: " + duration_flag{standalone.duration_ns}(duration_text));
    if (!drain_text.empty() && !(duration_flag{standalone.drain_ns}(drain_text)).empty())
      throw std::invalid_argument("--drain: " + duration_flag{standalone.drain_ns}(drain_text));
    if (!rate_text.empty()) {
      const auto rate = throng::parse_rate_per_s(rate_text);
      if (!rate) throw std::invalid_argument("--rate: '" + rate_text + "' is not a rate like 500, 10k or 200/s");
      standalone.rate_per_s = *rate;
    }
    if (!ramp_text.empty() && !(duration_flag{standalone.ramp_up_ns}(ramp_text)).empty())
      throw std::invalid_argument("--ramp-up: " + duration_flag{standalone.ramp_up_ns}(ramp_text));
    // Checked before the run, so a typo does not cost the run's summary.
    if (!config.summary_json.empty())
      if (const auto problem = throng::result_path_problem(config.summary_json); !problem.empty())
        throw std::invalid_argument("--summary-json: " + problem);
    for (const auto& text : storms) config.events.push_back(throng::agent::parse_storm(text));
    for (const auto& text : bursts)
      for (const auto& e : throng::agent::parse_burst(text)) config.events.push_back(e);
    for (const auto& text : pauses)
      for (const auto& e : throng::agent::parse_pause(text)) config.events.push_back(e);
    return throng::agent::run_standalone_processes(config, throng::agent::standalone_plan(standalone));
  } catch (const std::exception& e) {
    std::cerr << "throng-agent: " << e.what() << "\n";
    return throng::exit_bad_input;
  }
}
