#pragma once
// What every virtual user of one run shares: the plan and what is derived
// from it once (targets, the load curve, the room law), the clock offset and
// the live knobs. Written by the control thread before users read it, or
// through atomics.

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connector.hpp"
#include "control.pb.h"
#include "model/distribution.hpp"
#include "model/schedule.hpp"
#include "protocol/protocol_adapter.hpp"

namespace throng::agent {

struct run_context {
  // Derives everything from the plan; `error` says why the plan is unusable.
  static std::shared_ptr<run_context> prepare(const control::Plan& plan, std::vector<target> targets,
                                              std::vector<net::ip::address> source_ips, std::string& error);

  control::Plan plan;
  std::vector<target> targets;                 // slot i uses targets[i % size]
  std::vector<net::ip::address> source_ips;    // slot i binds source_ips[i % size]; empty: the kernel's choice
  std::optional<target> auth_api;              // AUTH_REGISTER_LOGIN
  std::unique_ptr<protocol_adapter> adapter;
  stage_curve curve;                           // closed: concurrent users; open: arrivals per second
  room_assignment assignment;                  // which rooms each user joins
  std::vector<std::uint32_t> room_members;     // per room, for `expected`; empty when membership changes
  std::int64_t send_end_ns = 0;                // relative to start: no sends after this
  std::int64_t gap_grace_ns = 5'000'000'000;
  std::uint64_t max_connect_attempts = 5;

  std::atomic<std::int64_t> clock_offset_ns{0};  // controller - agent; refreshed during the run
  std::atomic<std::int64_t> start_local_ns{0};   // agent clock; 0 until Start
  std::atomic<bool> stopping{false};             // no more sends
  std::atomic<double> rate_multiplier{1.0};
  std::atomic<bool> paused{false};

  bool closed_model() const { return plan.arrival() == control::ARRIVAL_CLOSED; }
  std::string room_name(std::uint32_t room) const;
  std::string user_name(std::uint64_t user) const;
  // The same into `out` (its buffer reused: no allocation once warm).
  void write_user_name(std::uint64_t user, std::string& out) const;
  // The user id in a name this run gave out, to tell our own senders apart.
  std::optional<std::uint64_t> user_of(const std::string& name) const;
  bool is_local_user(std::uint64_t user) const;
  // The rooms a user joins (indices), deterministic from the seed.
  std::vector<std::uint32_t> rooms_of(std::uint64_t user) const { return assignment.rooms_of(user); }
  std::string password_of(std::uint64_t user) const;
  const target& target_of(std::uint64_t slot) const { return targets[slot % targets.size()]; }
  std::optional<net::ip::address> source_of(std::uint64_t slot) const;
  // The local end of a session that starts at `start_local`; max() when sessions last the run.
  std::int64_t session_end(std::uint64_t user, std::int64_t start_local) const;
};

}  // namespace throng::agent
