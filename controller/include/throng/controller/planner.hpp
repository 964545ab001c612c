#pragma once
// Splits a run over agents. Each agent carries one user group; a group's
// user slots are split over its agents weighted by their announced capacity.
// Boundaries are exact rational segments (k6 execution segments): every
// user belongs to exactly one agent and the shares add up to the total.

#include <cstdint>
#include <string>
#include <vector>

#include "control.pb.h"

namespace throng::controller {

struct scenario;
struct user_group;

struct user_share {
  std::uint64_t first_user = 0;
  std::uint64_t user_count = 0;
};

// capacities: one weight per agent (zero weights get no users unless all are zero).
std::vector<user_share> split_users(std::uint64_t total_users, const std::vector<std::uint32_t>& capacities);

// Which group each agent carries (an index into groups, per agent): every
// group gets at least one agent, and the rest go where users per unit of
// capacity are highest. Needs at least as many agents as groups.
std::vector<std::size_t> assign_groups(const std::vector<user_group>& groups, const std::vector<std::uint32_t>& capacities);

// What every agent of a group needs to run it.
struct plan_inputs {
  std::string run_id;
  std::vector<std::string> target_urls;
  std::string auth_url;
  std::uint64_t seed_offset = 0;  // distinct seeds per group
};
// The plan of a whole group (all its user slots)...
control::Plan make_plan(const scenario& s, const user_group& g, const plan_inputs& inputs);
// ...and one agent's part of it: its slots and its share of the connect rate.
control::Plan share_plan(control::Plan group_plan, const user_share& share);

// Groups sharing rooms: fills each plan's room_members_elsewhere (the members
// the other groups keep in its rooms) or membership_varies_elsewhere, so that
// every agent's `expected` counts all receivers. plans[i] belongs to groups[i].
void add_shared_room_members(const std::vector<user_group>& groups, std::vector<control::Plan>& plans);

}  // namespace throng::controller
