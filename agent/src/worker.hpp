#pragma once
// One worker thread with its own io_context, and the part of the run's
// population it carries: its user slots, the sessions running on them, and
// the group-rate sender. Its virtual users record into `stats` with no locks;
// the reporter swaps `stats` out once per second by posting to this worker.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "chat.pb.h"
#include "control.pb.h"
#include "connector.hpp"
#include "deadline_queue.hpp"
#include "ws_client.hpp"
#include "model/sequence_tracker.hpp"
#include "throng/common/net.hpp"
#include "throng/common/run_stats.hpp"

namespace throng::agent {

class virtual_user;
struct run_context;

struct worker {
  worker(unsigned index, unsigned count);
  ~worker();

  void start_thread();
  void stop_thread();

  // Connects the users of this worker that the plan wants at the start
  // (on_ready once per user), and keeps the population on plan after Start.
  void begin_run(std::shared_ptr<run_context> run, std::function<void(const std::string&)> on_ready);
  // Opens the start gate (on this worker's thread).
  void start();
  // Drop a `fraction` of the users over `window_ns`, reconnecting with backoff.
  void storm(const control::ReconnectStorm& storm, std::uint64_t storm_number);
  // Ends every session: leaves rooms and closes.
  void close_users();
  // How many users begin_run() connects before the start.
  std::uint64_t initial_users(const run_context& run) const;

  void add(const sequence_counts& counts);
  void remove(virtual_user& user);
  // From a user started with report_ready: its first connect-and-join is done (empty failure: it worked).
  void user_ready(const std::string& failure);
  // A session is over (`connected`: it got connected at least once); the slot takes its next one.
  void session_over(virtual_user& user, bool connected);

  unsigned index;
  unsigned count;  // workers in the agent
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> guard{io.get_executor()};
  std::thread thread;

  run_stats stats;
  std::int64_t max_loop_lag_ns = 0;   // worst lateness of the lag probe's timer this window
  // The worst timer lateness since the last call, the probe's and the
  // deadline queue's (every send and session end wakes through it).
  std::int64_t take_loop_lag() noexcept { return std::max(std::exchange(max_loop_lag_ns, 0), deadlines.take_worst_lateness()); }
  std::uint32_t connected_users = 0;
  connect_pacer pacer;
  chat::ClientFrame send_frame;       // the send template every user of this worker patches
  chat::ServerFrame receive_frame;    // every user's decode target, between two suspensions
  std::string encode_scratch;         // every user's encoded frame, written before the next suspension
  std::string name_scratch;           // the sending user's name, for its body
  ws_client_buffers ws_buffers{io};   // the read buffer, epoll set and write scratch of every connection here
  deadline_queue deadlines{io};       // users' connect slots, backoffs, sends and session ends (outlives the users)
  bool started = false;  // Start came: new sessions send at once
  // True the first time the server closes a connection with `code` (its reason is logged once).
  bool first_close_of(std::uint16_t code) {
    if (std::find(close_codes_seen_.begin(), close_codes_seen_.end(), code) != close_codes_seen_.end()) return false;
    close_codes_seen_.push_back(code);
    return true;
  }
  std::vector<std::shared_ptr<virtual_user>> users;

 private:
  net::awaitable<void> probe_loop_lag();
  net::awaitable<void> closed_population();
  net::awaitable<void> open_population();
  // Closed model: starts the next session on a local slot, if the plan still wants it.
  void run_slot(std::uint64_t local);
  // That session, not started yet (null: the slot rests).
  std::shared_ptr<virtual_user> next_session(std::uint64_t local);
  net::awaitable<void> group_sender();
  net::awaitable<void> gap_sweeper();
  // A new session, listed in `users` until it ends.
  std::shared_ptr<virtual_user> adopt(std::uint64_t slot, std::uint64_t user);
  bool sends_over() const;
  // This worker's local slot indices are index, index + count, ...
  std::uint64_t local_slots() const { return local_slots(*run_); }
  std::uint64_t local_slots(const run_context& run) const;
  std::uint64_t global_slot(std::uint64_t local) const;
  std::uint64_t local_slot(std::uint64_t global) const;  // global_slot's inverse

  std::shared_ptr<run_context> run_;
  std::function<void(const std::string&)> on_ready_;  // the initial users' readiness, for this run
  std::vector<std::shared_ptr<virtual_user>> slot_user_;  // closed model: the session on each local slot
  std::vector<bool> slot_busy_;
  std::vector<std::uint32_t> slot_sessions_;              // sessions started on each local slot
  std::uint64_t slot_target_ = 0;                          // closed model: slots [0, target) should run
  bool closing_ = false;
  std::vector<std::uint16_t> close_codes_seen_;
};

}  // namespace throng::agent
