#pragma once
// Sampling the plan's distributions (think times, session durations, message
// sizes) and Zipf-distributed room choices.

#include <cstdint>
#include <vector>

#include "control.pb.h"
#include "random.hpp"

namespace throng::agent {

// An unset distribution is CONSTANT 0.
bool is_set(const control::Distribution& d);
// One draw; never negative.
double sample(const control::Distribution& d, rng& random);
// The distribution's mean (for planning and checks).
double mean(const control::Distribution& d);
// Why the distribution is unusable, or empty when it is fine.
std::string check(const control::Distribution& d, const char* what);

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
