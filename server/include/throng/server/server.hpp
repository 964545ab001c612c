#pragma once
// throng-server: the reference chat server. One io_context and thread per
// shard; every connection belongs to one shard for life; each room is owned
// by one shard, which sequences its messages, has them stored and fans them
// out to the shards holding its members.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace throng::server {

// What this process serves: the auth API, the chat endpoint, or both.
enum class server_role { all, auth, chat };

struct room_preset {
  std::string name;
  std::string transform = "none";  // none, bestie, pirate, shout
  std::size_t history_depth = 0;   // 0 = the server default
};

struct server_config {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;          // 0 picks a free port; see port_file
  unsigned threads = 0;                // shards; 0 = one per core
  server_role role = server_role::all;
  std::string port_file;               // when set, the bound port is written here
  double shutdown_grace_s = 2.0;

  // Rooms
  std::vector<room_preset> rooms;      // preset rooms (--config)
  bool dynamic_rooms = true;           // create rooms on first join
  std::size_t history_depth = 10;      // messages replayed on a plain join, per room
  std::size_t max_replay = 1000;       // most messages one since_seq replay returns
  // Their bounds, for the flags and the config file alike: a room keeps its
  // history in memory, and a join's reply carries it in one frame.
  static constexpr std::size_t max_history_depth = 10'000;
  static constexpr std::size_t max_replay_limit = 100'000;
  std::uint64_t transform_seed = 0;
  double presence_interval_s = 1.0;    // at most one presence update per room per interval

  // Limits
  std::size_t max_message_bytes = 64 * 1024;       // after dup_factor expansion
  std::size_t max_queued_bytes = 4 * 1024 * 1024;  // per connection, then slow consumer
  std::string io_uring = "auto";      // auto | on | off: submit a flush's writes in one system call
  double batch_delay_ms = 2.0;         // batch clients: at most one write per this while frames keep coming
  std::size_t max_connections = 0;     // 0 = as many as the open-file limit allows
  double idle_timeout_s = 300;         // close connections that send nothing for this long
  unsigned malformed_frame_limit = 10; // close after this many undecodable frames
  double send_rate_per_user = 0;       // token bucket per connection, sends/s; 0 = off
  double send_burst = 20;
  unsigned login_failures_per_minute = 10;  // per client address, then HTTP 429

  // Storage
  std::string store = "sqlite";        // sqlite | memory | postgres
  std::string store_path = "throng.db";
  std::vector<std::string> postgres_urls;  // store postgres: one per shard of the history, rooms by hash
  double retention_s = 0;              // postgres: delete messages older than this; 0 = keep all
  double retention_interval_s = 60;    // how often the retention pass runs
  std::uint64_t store_max_bytes = 0;   // cap on the database size; 0 = none
  bool ack_durable = true;             // ack after the group commit (false: on receipt)
  std::size_t commit_max_messages = 512;
  static constexpr std::size_t max_commit_messages = 1'000'000;
  double commit_max_delay_ms = 2.0;

  // Cross-instance fan-out
  std::string bus = "local";           // local, or redis://host:port to share rooms between instances
  std::size_t bus_stream_length = 10'000;  // entries each room's stream keeps

  // Tokens
  std::string token_secret;            // empty: kept in the store (created on first start)
  std::string test_token_secret;       // when set, agents may mint tokens with it
  std::int64_t token_ttl_s = 24 * 3600;
};

// Reads a YAML server config (rooms, defaults; see deploy/server.yaml) into
// `config`. Throws std::runtime_error naming file:line and the problem.
void load_server_config_file(const std::string& path, server_config& config);

class server {
 public:
  // Opens the store and binds the listener; throws std::exception with a clear message when it cannot.
  explicit server(server_config config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  unsigned short port() const noexcept;
  // Serves until stop() or SIGINT/SIGTERM (when handle_signals). Any thread.
  void run(bool handle_signals = true);
  // Starts a graceful shutdown: stop accepting, close sessions with
  // going_away, flush the store, wait up to the grace period. Thread-safe.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace throng::server
