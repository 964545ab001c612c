#pragma once
// Sampling the plan's distributions (think times, session durations, message
// sizes) and Zipf-distributed room choices.

#include <cstdint>
#include <vector>

#include "control.pb.h"
#include "random.hpp"
#include "throng/common/distribution_text.hpp"

namespace throng::agent {

// One draw; never negative.
double sample(const control::Distribution& d, rng& random);
// Parsing, checks and means: throng/common/distribution_text.hpp.

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

}  // namespace throng::agent
