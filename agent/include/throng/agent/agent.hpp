#pragma once
// throng-agent: a load agent. It dials the controller, receives a plan, runs
// that plan's virtual users against the target and reports every second.
// `throng-agent run` runs a plan from its own flags instead, for trying a
// server without a controller.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace throng::control { class Plan; class Distribution; }

namespace throng::agent {

// A change at a moment of a standalone run, `at_ns` after the start.
struct live_event {
  std::int64_t at_ns = 0;
  double storm_fraction = 0;  // > 0: that fraction of the users drop within the window and come back
  std::int64_t storm_window_ns = 1'000'000'000;
  double rate_multiplier = 0;  // > 0: every send rate times this from now on
  enum class pause_change { none, pause, resume } pause = pause_change::none;
};

struct agent_config {
  std::string controller_url = "ws://127.0.0.1:7700/agents";
  std::string token;                      // sent as "Authorization: Bearer <token>"
  std::string id;                         // default: <hostname>-<pid>
  std::string region = "local";
  unsigned threads = 0;                   // worker io_contexts; 0 = one per core
  std::uint32_t capacity_users = 10'000;  // announced to the controller's planner; more than one process holds: several processes
  std::vector<std::string> allowed_targets;  // host or host:port a plan may target; empty: loopback only
  std::vector<std::string> source_ips;    // local addresses to spread connections over (lists, ranges)
  double controller_timeout_s = 15;       // give up connecting (or reconnecting) to the controller after this
  double dead_man_s = 10;                 // a run stops by itself when the controller is gone this long
  std::string metrics_host = "127.0.0.1";
  unsigned short metrics_port = 0;        // 0: no metrics listener
  unsigned processes = 0;                 // agent processes on this host; 0: as many as the open-file limit needs
  bool show_progress = true;              // standalone: print a line per second
  std::vector<live_event> events;         // standalone: storms, bursts and pauses during the run
  std::string summary_json;               // standalone: also write the summary here as JSON
};

// `throng-agent run`: a plan from flags, for trying a server without a controller.
struct standalone_options {
  std::vector<std::string> targets{"ws://127.0.0.1:7800/ws"};
  std::uint64_t users = 100;
  double rate_per_s = 100;                // sends per second, all users together
  std::string send_model = "fixed";       // fixed | poisson | closed
  std::int64_t duration_ns = 30'000'000'000;
  std::int64_t drain_ns = 2'000'000'000;
  std::uint32_t rooms = 10;
  std::string message_size = "64";         // bytes, or a size distribution ("uniform:32B..512B")
  std::uint32_t dup_factor = 1;
  bool json = false;
  bool batch = true;
  std::string auth = "minted";            // anonymous | minted | register
  std::string token_secret;               // minted: the server's --test-token-secret
  double connect_rate = 0;
  std::uint64_t connect_attempts = 5;     // per session before the user gives up
  std::uint64_t seed = 1;
  std::string session_duration;           // a time distribution (see parse_time_distribution); empty: the whole run
  std::string room_choice = "round-robin";  // round-robin | uniform | zipf
  std::uint32_t rooms_per_user = 1;
  double zipf_s = 1.0;
  std::int64_t ramp_up_ns = 0;            // closed model: grow from 0 to --users over this long first
  std::string think_time;                 // per-user gaps between sends instead of --rate
  double arrival_rate_per_s = 0;          // > 0: open model, users arriving at this rate
};

// The plan a standalone run executes (also checked: throws std::invalid_argument).
control::Plan standalone_plan(const standalone_options& options);
// --storm "AT:FRACTION[:WINDOW]", e.g. "5s:0.3:1s" (a reconnect storm).
live_event parse_storm(const std::string& text);
// --burst "AT:MULTIPLIER:LENGTH", e.g. "10s:3:5s": the send rate times 3 for 5 s (two events).
std::vector<live_event> parse_burst(const std::string& text);
// --pause "AT:LENGTH", e.g. "10s:2s": no sends for 2 s (two events). All throw std::invalid_argument.
std::vector<live_event> parse_pause(const std::string& text);
// A distribution of durations, in seconds: "30s" (constant), "exp:30s" (mean),
// "uniform:10s..60s", "normal:30s,5s" (mean, deviation), "lognormal:30s,0.5"
// (median, sigma). Throws std::invalid_argument.
control::Distribution parse_time_distribution(const std::string& text);

// An allow-list entry is a host (any port) or host:port. With an empty list
// only loopback targets are allowed: an agent fleet must not be aimed at
// anyone else.
bool target_allowed(const agent_config& config, const std::string& host, unsigned short port);

// Runs until the controller ends the link, SIGINT/SIGTERM, or an error. A
// lost link is re-dialled; a run whose controller stays away longer than
// dead_man_s stops its load. Returns an exit code (throng/common/exit_codes.hpp).
int run_agent(const agent_config& config);

// Runs `config.processes` agents (or as many as the open-file limit needs for
// `config.capacity_users`), each a process with its share of the capacity and
// an id ending in -p<k>; returns the worst exit code.
int run_agent_processes(const agent_config& config);

// A standalone run split over processes when one cannot hold all users; the
// parent merges their measurements into one summary.
int run_standalone_processes(const agent_config& config, const control::Plan& plan);

// How many processes `connections` sockets need under this host's open-file limit.
unsigned processes_for(std::uint64_t connections);

// Standalone: runs `plan` at once with this process's workers, prints a
// progress line each second and a summary. `report_fd` >= 0 receives the
// final measurements (a serialised StatsReport) instead of the summary, for
// a parent process that merges several.
int run_standalone(const agent_config& config, const control::Plan& plan, int report_fd = -1);

}  // namespace throng::agent
