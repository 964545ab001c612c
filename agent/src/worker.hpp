#pragma once
// One worker thread with its own io_context. Its virtual users record into
// `stats` with no locks; the reporter swaps `stats` out once per second by
// posting to this worker.

#include <memory>
#include <thread>
#include <vector>

#include "throng/common/net.hpp"
#include "throng/common/run_stats.hpp"

namespace throng::agent {

class virtual_user;

struct worker {
  explicit worker(unsigned index);
  ~worker();

  void start_thread();
  void stop_thread();

  unsigned index;
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> guard{io.get_executor()};
  std::thread thread;

  run_stats stats;
  std::int64_t max_loop_lag_ns = 0;   // worst timer lateness this window
  std::uint32_t active_users = 0;
  // Users wait on this gate (never expires) until Start cancels it.
  net::steady_timer start_gate{io};
  std::vector<std::shared_ptr<virtual_user>> users;

 private:
  net::awaitable<void> probe_loop_lag();
};

}  // namespace throng::agent
