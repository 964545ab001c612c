#pragma once
// The scenario model: what a YAML scenario file says, validated (format in
// scenarios/README.md). A file holds named scenarios, each with an executor
// and user groups; every (scenario, group) pair becomes one `user_group`, the
// unit the planner splits over agents. Parsing collects every error at once,
// each with file, line, column and field path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control.pb.h"
#include "throng/controller/thresholds.hpp"

namespace throng::controller {

enum class executor_kind { constant_users, ramping_users, constant_arrival_rate, ramping_arrival_rate };
const char* executor_name(executor_kind kind);

struct stage {
  std::int64_t duration_ns = 0;
  double target = 0;  // users (ramping-users) or arrivals per second (ramping-arrival-rate)
};

// What the users of a group do: set on a scenario, overridden per group.
struct behaviour {
  control::AuthMode auth = control::AUTH_MINTED_TOKEN;
  std::uint32_t rooms = 1;
  std::string room_prefix = "room-";
  control::RoomChoice room_choice = control::ROOMS_ROUND_ROBIN;
  std::uint32_t rooms_per_user = 1;
  double zipf_s = 1.0;
  std::vector<std::string> room_list;
  control::SendModel send_model = control::SEND_NONE;
  double sends_per_user_per_s = 0;   // fixed / poisson: per user; group: the group's total
  control::Distribution think_time;  // think-time / closed-loop
  control::Distribution session_duration;  // unset: sessions last the scenario
  control::Distribution message_size;      // body bytes
  std::uint32_t dup_factor = 1;
  std::string body_template;
  double connect_rate = 0;           // new connections per second, whole group; 0: unpaced
  std::uint32_t connect_attempts = 5;  // per session, before a user gives up
};

// One group of one scenario, planned as a unit.
struct user_group {
  std::string scenario;                 // its scenario's name
  std::string name;                     // "default" when the scenario has no groups
  executor_kind executor = executor_kind::constant_users;
  std::uint64_t users = 0;              // user slots: the peak concurrency (arrival executors: max_users)
  std::vector<stage> stages;            // ramping executors; arrival executors always (a flat rate is two stages)
  std::int64_t start_ns = 0;            // start_time: after the run's start, whole seconds
  std::int64_t duration_ns = 0;         // how long users send
  std::int64_t graceful_stop_ns = 2'000'000'000;  // then keep listening for in-flight deliveries
  behaviour does;

  std::string tag() const { return scenario + "/" + name; }
  bool open_model() const {
    return executor == executor_kind::constant_arrival_rate || executor == executor_kind::ramping_arrival_rate;
  }
  std::int64_t end_ns() const { return start_ns + duration_ns; }
  // Sends per second the group aims at when fully running (for display).
  double planned_send_rate() const;
};

struct timeline_event {
  std::int64_t at_ns = 0;               // after the run's start
  std::vector<std::string> scenarios;   // empty: every scenario
  enum class kind { burst, reconnect_storm, pause } what = kind::burst;
  double multiplier = 1;                // burst
  std::int64_t length_ns = 0;           // burst and pause
  control::ReconnectStorm storm;
};

struct scenario {
  std::string file;
  std::string name;
  std::string source;                   // the YAML as written, for the report
  std::uint64_t seed = 1;

  // target
  std::vector<std::string> target_urls; // empty when spawn_server
  bool spawn_server = false;            // start a local throng-server
  unsigned server_threads = 1;
  std::string server_store = "sqlite";  // spawned server: sqlite (in the work dir) or memory
  std::string server_config;            // spawned server: its --config (rooms and transform styles)
  bool json_protocol = false;           // text frames with the JSON mapping
  bool batch = true;                    // announce the "batch" capability
  // Users prove who they are with tokens the agents mint with this secret
  // (the server's --test-token-secret). Generated for a spawned server; for a
  // url target from target.test_token_secret or THRONG_TEST_TOKEN_SECRET.
  std::string test_token_secret;
  std::string auth_url;                 // auth: register against a url target: http://host:port of its API
  std::int64_t connect_timeout_ns = 10'000'000'000;

  std::vector<user_group> groups;
  std::vector<timeline_event> events;
  std::vector<threshold> thresholds;

  unsigned local_agents = 0;            // local mode: agent processes; 0: one per core (at least one per group)
  bool abort_on_agent_loss = true;      // false: carry on, the run marked degraded
  double max_agent_cpu_percent = 0;     // > 0: a window above this aborts the run (exit 3)

  std::uint64_t total_users() const;
  std::int64_t end_ns() const;          // the last group's end of sending
  std::int64_t drain_ns() const;        // the longest graceful stop
  double planned_send_rate() const;
  std::vector<std::string> scenario_names() const;
  bool mints_tokens() const;            // a group logs users in with minted tokens
  // Scales the population: users, rooms, arrival rates and total rates times
  // `factor` (per-user behaviour unchanged), for scaled-down runs of a big model.
  void scale(double factor);
};

struct validation_error {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown
  int column = 0;   // 1-based
  std::string path; // e.g. scenarios.chat.executor
  std::string message;
  std::string str() const;  // file:line:col: path: message
};

struct scenario_result {
  std::optional<scenario> value;
  std::vector<validation_error> errors;
};

scenario_result load_scenario_file(const std::string& path);
scenario_result parse_scenario(const std::string& yaml_text, const std::string& file_name);

}  // namespace throng::controller
