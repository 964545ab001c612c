#pragma once
// throng-server: the reference chat server. One io_context and thread per
// shard; every connection belongs to one shard for life; each room is owned
// by one shard, which sequences its messages and fans them out to the shards
// holding its members.

#include <cstdint>
#include <memory>
#include <string>

namespace throng::server {

struct server_config {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;          // 0 picks a free port; see port_file
  unsigned threads = 0;                // shards; 0 = one per core
  std::size_t history_depth = 10;      // messages kept and replayed per room
  std::size_t max_message_bytes = 64 * 1024;   // after dup_factor expansion
  std::size_t max_queued_bytes = 4 * 1024 * 1024;  // per connection, then slow consumer
  std::string port_file;               // when set, the bound port is written here
  double shutdown_grace_s = 2.0;
};

class server {
 public:
  // Binds the listeners; throws std::system_error when it cannot.
  explicit server(server_config config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  unsigned short port() const noexcept;
  // Serves until stop() or SIGINT/SIGTERM (when handle_signals). Any thread.
  void run(bool handle_signals = true);
  // Starts a graceful shutdown: stop accepting, close sessions with
  // going_away, wait up to the grace period. Thread-safe.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace throng::server
