#pragma once
// The scenario model: what a YAML scenario file says, validated. Parsing
// collects every error at once, each with file, line, column and field path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace throng::controller {

struct scenario {
  std::string file;
  std::string name;
  std::uint64_t seed = 1;

  // target
  std::string target_url;        // empty when spawn_server
  bool spawn_server = false;     // start a local throng-server
  unsigned server_threads = 1;
  bool json_protocol = false;    // text frames with the JSON mapping
  bool batch = true;             // announce the "batch" capability
  std::string server_store = "sqlite";  // spawned server: sqlite (in the work dir) or memory
  // Users prove who they are with tokens the agents mint with this secret
  // (the server's --test-token-secret). Generated for a spawned server; for a
  // url target from target.test_token_secret or THRONG_TEST_TOKEN_SECRET.
  std::string test_token_secret;
  bool anonymous = false;        // auth: anonymous (read-only users)

  // load
  std::int64_t duration_ns = 0;
  std::int64_t drain_ns = 2'000'000'000;
  std::int64_t connect_timeout_ns = 10'000'000'000;
  std::uint64_t users = 0;
  std::uint32_t rooms = 1;
  double rate_per_s = 0;         // total sends per second across all users
  std::uint32_t message_bytes = 64;
  std::uint32_t dup_factor = 1;
  unsigned local_agents = 1;     // agents to spawn in local mode
};

struct validation_error {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown
  int column = 0;   // 1-based
  std::string path; // e.g. target.url
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
