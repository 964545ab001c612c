#pragma once
// Real back-ends for scale-out tests, from Debian's packages: a private
// Redis, PostgreSQL or HAProxy on a free loopback port with its files in a
// directory of the test's, stopped when destroyed. Each can be restarted on
// the same files (a Redis or PostgreSQL restart keeps its data).

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace throng::test {

// Fails the calling test (GTest) when a Debian binary is missing.
std::string require_binary(const std::string& path, const std::string& package);

struct redis_service {
  // With a password, clients must AUTH (redis-server --requirepass).
  explicit redis_service(const std::string& dir, std::string password = {});
  void start();
  void stop(int signal = SIGTERM);
  std::string url() const {
    return "redis://" + (password.empty() ? "" : ":" + password + "@") + "127.0.0.1:" + std::to_string(port);
  }
  std::string dir;
  std::string password;
  unsigned short port = 0;
  std::unique_ptr<background_process> process;
};

struct postgres_service {
  explicit postgres_service(const std::string& dir);
  ~postgres_service();  // stops the server and removes its directory
  void start();
  void stop(int signal = SIGINT);  // fast shutdown
  std::string url() const { return "postgres://throng@127.0.0.1:" + std::to_string(port) + "/postgres"; }
  // Runs SQL with psql; its output (tuples only, unaligned).
  std::string query(const std::string& sql) const;
  std::string dir;
  unsigned short port = 0;
  std::unique_ptr<background_process> process;
};

// HAProxy with deploy/haproxy/haproxy.cfg in front of `servers` (host:port).
struct haproxy_service {
  haproxy_service(const std::string& dir, const std::vector<std::string>& servers);
  std::string dir;
  unsigned short port = 0;
  std::unique_ptr<background_process> process;
};

// True once something accepts TCP connections on 127.0.0.1:port (at most `seconds`).
bool wait_for_port(unsigned short port, double seconds = 10);

}  // namespace throng::test
