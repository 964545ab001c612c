#include "services.hpp"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include "throng/common/net.hpp"

namespace throng::test {
namespace {

constexpr const char* pg_bin = "/usr/lib/postgresql/15/bin";

// PostgreSQL refuses to run as root: as root, run it as the package's postgres user.
std::vector<std::string> as_postgres(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  std::vector<std::string> out = {require_binary("/usr/bin/setpriv", "util-linux"), "--reuid=postgres", "--regid=postgres",
                                  "--init-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void give_to_postgres(const std::string& path) {
  if (geteuid() != 0) return;
  const passwd* pw = getpwnam("postgres");
  if (!pw) throw std::runtime_error("no postgres user: install the Debian package postgresql (scripts/install-deps.sh)");
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot chown " + path);
}

}  // namespace

std::string require_binary(const std::string& path, const std::string& package) {
  if (access(path.c_str(), X_OK) != 0)
    throw std::runtime_error(path + " is missing: install the Debian package " + package + " (scripts/install-deps.sh)");
  return path;
}

bool wait_for_port(unsigned short port, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    net::io_context io;
    tcp::socket s(io);
    error_code ec;
    s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// --- Redis: AOF with fsync on every write, so a restart keeps every entry it acknowledged ---

redis_service::redis_service(const std::string& d, std::string pass) : dir(d + "/redis"), password(std::move(pass)) {
  std::filesystem::create_directories(dir);
  port = free_port();
  start();
}

void redis_service::start() {
  std::vector<std::string> argv{require_binary("/usr/bin/redis-server", "redis-server"), "--port", std::to_string(port),
                                "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes",
                                "--appendfsync", "always", "--daemonize", "no", "--logfile", dir + "/redis.log"};
  if (!password.empty()) argv.insert(argv.end(), {"--requirepass", password});
  process = std::make_unique<background_process>(argv, dir + "/stdout.log");
  if (!wait_for_port(port)) throw std::runtime_error("redis-server did not come up; see " + dir + "/redis.log");
}

void redis_service::stop(int signal) {
  if (process) process->stop(signal);
  process.reset();
}

// --- PostgreSQL: initdb in a directory of its own (owned by postgres when we are root) ---

postgres_service::postgres_service(const std::string& d) {
  // Not under the test's directory: PostgreSQL must be able to reach its own.
  char pattern[] = "/tmp/throng-pg-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("cannot create a directory for PostgreSQL");
  dir = pattern;
  give_to_postgres(dir);
  std::ofstream(d + "/postgres-dir") << dir << "\n";  // where to look when a test fails
  const auto initdb = run_command(as_postgres({require_binary(std::string(pg_bin) + "/initdb", "postgresql"), "-D",
                                               dir + "/data", "-U", "throng", "-A", "trust", "--no-sync",
                                               "--no-instructions"}));
  if (initdb.exit_code != 0) throw std::runtime_error("initdb failed: " + initdb.err);
  port = free_port();
  start();
}

void postgres_service::start() {
  process = std::make_unique<background_process>(
      as_postgres({std::string(pg_bin) + "/postgres", "-D", dir + "/data", "-p", std::to_string(port), "-k", dir, "-c",
                   "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "logging_collector=off"}),
      dir + "/postgres.log");
  // Accepting TCP is not yet accepting queries: wait for a query to answer.
  for (int i = 0; i < 200; ++i) {
    if (wait_for_port(port, 0.05) && query("SELECT 1") == "1") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("PostgreSQL did not come up; see " + dir + "/postgres.log.err");
}

postgres_service::~postgres_service() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

void postgres_service::stop(int signal) {
  if (process) process->stop(signal, std::chrono::milliseconds(15000));
  process.reset();
}

std::string postgres_service::query(const std::string& sql) const {
  const auto r = run_command({require_binary("/usr/bin/psql", "postgresql-client"), "-X", "-q", "-t", "-A", "-h",
                              "127.0.0.1", "-p", std::to_string(port), "-U", "throng", "-d", "postgres", "-c", sql},
                             std::chrono::seconds(30));
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// --- HAProxy: the shipped configuration, its addresses from the environment ---

haproxy_service::haproxy_service(const std::string& d, const std::vector<std::string>& servers) : dir(d + "/haproxy") {
  std::filesystem::create_directories(dir);
  port = free_port();
  // The shipped file names its servers THRONG_CHAT1..3; a test with fewer repeats the last.
  std::string config = read_file(std::string(THRONG_SOURCE_DIR) + "/deploy/haproxy/haproxy.cfg");
  config = std::regex_replace(config, std::regex("\\$\\{THRONG_LB_BIND\\}"), "127.0.0.1:" + std::to_string(port));
  for (std::size_t i = 0; i < 3; ++i)
    config = std::regex_replace(config, std::regex("\\$\\{THRONG_CHAT" + std::to_string(i + 1) + "\\}"),
                                servers[std::min(i, servers.size() - 1)]);
  write_file(dir + "/haproxy.cfg", config);
  process = std::make_unique<background_process>(
      std::vector<std::string>{require_binary("/usr/sbin/haproxy", "haproxy"), "-db", "-f", dir + "/haproxy.cfg"},
      dir + "/haproxy.log");
  if (!wait_for_port(port)) throw std::runtime_error("haproxy did not come up; see " + dir + "/haproxy.log.err");
}

}  // namespace throng::test
