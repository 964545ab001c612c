#pragma once
// Which rooms each user of a plan joins, deterministic from the plan's seed.
// Agents use it to join; the controller uses it to count the members every
// group keeps in shared rooms, so `expected` deliveries add up across groups.

#include <cstdint>
#include <string>
#include <vector>

#include "control.pb.h"
#include "throng/common/random.hpp"

namespace throng {

// Ranks 0..n-1 with P(k) proportional to 1 / (k + 1)^s; O(log n) per draw.
class zipf_table {
 public:
  zipf_table() = default;
  zipf_table(std::uint32_t n, double s);
  std::uint32_t draw(rng& random) const;
  std::uint32_t size() const { return static_cast<std::uint32_t>(cdf_.size()); }
  double probability(std::uint32_t k) const;

 private:
  std::vector<double> cdf_;
};

class room_assignment {
 public:
  room_assignment() = default;
  explicit room_assignment(const control::Plan& plan);

  // Room indices user `user` joins: into room_list, or suffixes of room_prefix.
  std::vector<std::uint32_t> rooms_of(std::uint64_t user) const;
  std::size_t room_count() const { return room_count_; }
  std::string room_name(std::uint32_t room) const;
  // Members of each room with every user slot of the plan connected.
  std::vector<std::uint32_t> members() const;

 private:
  control::RoomChoice choice_ = control::ROOMS_ROUND_ROBIN;
  std::uint32_t per_user_ = 1;
  std::uint64_t seed_ = 0, total_users_ = 0;
  std::size_t room_count_ = 0;
  std::string prefix_;
  std::vector<std::string> list_;
  zipf_table zipf_;
};

}  // namespace throng
