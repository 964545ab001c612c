// Spreading an agent over processes: a process may hold at most as many
// sockets as its open-file limit allows, and root may not be able to raise it.

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "control.pb.h"
#include "connector.hpp"
#include "model/schedule.hpp"
#include "summary.hpp"
#include "throng/agent/agent.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/fd_limit.hpp"
#include "throng/common/run_stats.hpp"

namespace throng::agent {

unsigned processes_for(std::uint64_t connections) {
  // A little room per process for the controller link, metrics and DNS.
  const std::uint64_t per_process = std::max<std::uint64_t>(1, raise_open_file_limit(256));
  return static_cast<unsigned>(std::max<std::uint64_t>(1, (connections + per_process - 1) / per_process));
}

namespace {
// Forks `n` children running body(k); the parent waits and returns the worst
// exit code. Children die with the parent (PR_SET_PDEATHSIG).
template <class Body>
std::vector<pid_t> fork_children(unsigned n, Body body) {
  std::vector<pid_t> pids;
  const pid_t parent = getpid();
  for (unsigned k = 0; k < n; ++k) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::cerr << "throng-agent: fork failed: " << std::strerror(errno) << "\n";
      break;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(exit_aborted);
      _exit(body(k));
    }
    pids.push_back(pid);
  }
  return pids;
}

int wait_all(const std::vector<pid_t>& pids) {
  // SIGINT/SIGTERM reach the children (same process group, or forwarded by
  // the death signal); the parent just waits for them.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  int worst = exit_ok;
  for (auto pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : exit_aborted;
    worst = std::max(worst, code);
  }
  return worst;
}
}  // namespace

namespace {
// What the agent processes would each refuse: said once, before forking.
void check_config(const agent_config& config) {
  std::string error;
  if (!parse_source_ips(config.source_ips, error)) throw std::invalid_argument("--source-ips: " + error);
}
}  // namespace

int run_agent_processes(const agent_config& config) {
  check_config(config);
  const unsigned n = config.processes ? config.processes : processes_for(config.capacity_users);
  if (n <= 1) return run_agent(config);
  std::cerr << "throng-agent: " << n << " processes carry " << config.capacity_users << " users (open-file limit)\n";
  const auto pids = fork_children(n, [&](unsigned k) {
    agent_config c = config;
    c.id = (config.id.empty() ? std::string("agent-") + std::to_string(getppid()) : config.id) + "-p" + std::to_string(k);
    c.capacity_users = static_cast<std::uint32_t>(segment_share(config.capacity_users, k, 1, n));
    if (c.metrics_port) c.metrics_port = static_cast<unsigned short>(c.metrics_port + k);
    return run_agent(c);
  });
  return wait_all(pids);
}

int run_standalone_processes(const agent_config& config, const control::Plan& plan) {
  check_config(config);
  const unsigned n = config.processes ? config.processes : processes_for(plan.user_count());
  if (n <= 1) return run_standalone(config, plan);
  std::cerr << "throng-agent: " << n << " processes carry " << plan.user_count() << " users (open-file limit)\n";
  std::vector<int> read_ends;
  std::vector<int> write_ends;
  for (unsigned k = 0; k < n; ++k) {
    int fds[2];
    if (pipe(fds) != 0) {
      std::cerr << "throng-agent: pipe failed: " << std::strerror(errno) << "\n";
      return exit_aborted;
    }
    read_ends.push_back(fds[0]);
    write_ends.push_back(fds[1]);
  }
  const auto pids = fork_children(n, [&](unsigned k) {
    for (unsigned i = 0; i < n; ++i) {
      close(read_ends[i]);
      if (i != k) close(write_ends[i]);
    }
    control::Plan part = plan;
    part.set_first_user(plan.first_user() + segment_share(plan.user_count(), 0, k, n));
    part.set_user_count(segment_share(plan.user_count(), k, 1, n));
    part.set_connect_rate(plan.connect_rate() / n);  // the flag is the host's rate, not each process's
    agent_config c = config;
    c.show_progress = k == 0;  // one progress line, for the first share
    if (c.metrics_port) c.metrics_port = static_cast<unsigned short>(c.metrics_port + k);
    return run_standalone(c, part, write_ends[k]);
  });
  for (int fd : write_ends) close(fd);
  run_stats total;
  agent_load load;  // the busiest process's
  unsigned reported = 0;
  for (int fd : read_ends) {
    std::string bytes;
    char buffer[65536];
    for (ssize_t r; (r = read(fd, buffer, sizeof buffer)) != 0;) {
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) break;
      bytes.append(buffer, static_cast<std::size_t>(r));
    }
    close(fd);
    control::StatsReport report;
    if (!bytes.empty() && report.ParseFromString(bytes) && total.add_from_proto(report.counters(), report.latencies())) {
      load.max_cpu_percent = std::max(load.max_cpu_percent, report.cpu_percent());
      load.max_loop_lag_ms = std::max(load.max_loop_lag_ms, report.loop_lag_ms());
      ++reported;
    }
  }
  const int code = wait_all(pids);
  const std::string headline = "run of " + std::to_string(n) + " processes " +
                               (code ? "ended with errors" : "complete") + " (" + std::to_string(reported) + " reported)";
  // Each process has logged its own connect phase.
  return finish_standalone(config, total, load, std::nullopt, headline, reported == n ? code : std::max(code, static_cast<int>(exit_aborted)));
}

}  // namespace throng::agent
