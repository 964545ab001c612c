#include "throng/common/room_assignment.hpp"

#include <algorithm>
#include <cmath>

namespace throng {

zipf_table::zipf_table(std::uint32_t n, double s) : cdf_(n) {
  double sum = 0;
  for (std::uint32_t k = 0; k < n; ++k) cdf_[k] = (sum += std::pow(static_cast<double>(k) + 1, -s));
  for (auto& c : cdf_) c /= sum;
}

std::uint32_t zipf_table::draw(rng& random) const {
  const double u = random.uniform();
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  return static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(it - cdf_.begin(), static_cast<std::ptrdiff_t>(cdf_.size()) - 1));
}

double zipf_table::probability(std::uint32_t k) const { return cdf_[k] - (k ? cdf_[k - 1] : 0.0); }

room_assignment::room_assignment(const control::Plan& plan)
    : choice_(plan.room_choice()),
      seed_(plan.seed()),
      total_users_(plan.total_users()),
      prefix_(plan.room_prefix()),
      list_(plan.room_list().begin(), plan.room_list().end()) {
  room_count_ = choice_ == control::ROOMS_LIST ? list_.size() : plan.rooms();
  per_user_ = std::min<std::uint32_t>(static_cast<std::uint32_t>(room_count_), std::max(1u, plan.rooms_per_user()));
  if (choice_ == control::ROOMS_ZIPF) zipf_ = zipf_table(plan.rooms(), plan.zipf_s() > 0 ? plan.zipf_s() : 1.0);
}

std::vector<std::uint32_t> room_assignment::rooms_of(std::uint64_t user) const {
  std::vector<std::uint32_t> out;
  if (choice_ == control::ROOMS_LIST) {
    for (std::size_t i = 0; i < list_.size(); ++i) out.push_back(static_cast<std::uint32_t>(i));
    return out;
  }
  const auto n = static_cast<std::uint32_t>(room_count_);
  if (choice_ == control::ROOMS_ROUND_ROBIN) {
    for (std::uint32_t i = 0; i < per_user_; ++i) out.push_back(static_cast<std::uint32_t>((user + i) % n));
    return out;
  }
  rng random(seed_, user, stream::rooms);
  // Distinct rooms; a hot Zipf head may need a few redraws.
  for (unsigned tries = 0; out.size() < per_user_ && tries < 64 * per_user_; ++tries) {
    const std::uint32_t r = choice_ == control::ROOMS_ZIPF ? zipf_.draw(random) : static_cast<std::uint32_t>(random.below(n));
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

std::string room_assignment::room_name(std::uint32_t room) const {
  if (choice_ == control::ROOMS_LIST) return list_[room];
  return prefix_ + std::to_string(room);
}

std::vector<std::uint32_t> room_assignment::members() const {
  std::vector<std::uint32_t> counts(room_count_, 0);
  for (std::uint64_t u = 0; u < total_users_; ++u)
    for (auto r : rooms_of(u)) ++counts[r];
  return counts;
}

}  // namespace throng
