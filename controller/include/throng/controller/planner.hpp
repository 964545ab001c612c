#pragma once
// Splits a run's users over agents, weighted by each agent's announced
// capacity. Boundaries are exact rational segments (k6 execution segments):
// every user belongs to exactly one agent and the shares add up to the total.

#include <cstdint>
#include <vector>

namespace throng::controller {

struct user_share {
  std::uint64_t first_user = 0;
  std::uint64_t user_count = 0;
};

// capacities: one weight per agent (zero weights get no users unless all are zero).
std::vector<user_share> split_users(std::uint64_t total_users, const std::vector<std::uint32_t>& capacities);

}  // namespace throng::controller
