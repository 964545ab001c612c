#include "throng/controller/planner.hpp"

#include <numeric>

namespace throng::controller {

std::vector<user_share> split_users(std::uint64_t total, const std::vector<std::uint32_t>& capacities) {
  std::vector<user_share> shares(capacities.size());
  if (capacities.empty()) return shares;
  unsigned __int128 weight_sum = 0;
  for (auto c : capacities) weight_sum += c;
  const bool equal = weight_sum == 0;
  if (equal) weight_sum = capacities.size();

  // Agent i owns users [floor(total * W_i / W), floor(total * W_{i+1} / W)),
  // where W_i is the cumulative weight before it.
  unsigned __int128 cumulative = 0;
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < capacities.size(); ++i) {
    cumulative += equal ? 1 : capacities[i];
    const auto boundary = static_cast<std::uint64_t>(static_cast<unsigned __int128>(total) * cumulative / weight_sum);
    shares[i] = {previous, boundary - previous};
    previous = boundary;
  }
  return shares;
}

}  // namespace throng::controller
