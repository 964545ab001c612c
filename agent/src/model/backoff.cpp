#include "backoff.hpp"

#include <algorithm>
#include <cmath>

namespace throng::agent {

std::int64_t backoff_delay(unsigned attempt, std::int64_t base_ns, std::int64_t max_ns, double uniform01) {
  const double grown = static_cast<double>(base_ns) * std::ldexp(1.0, static_cast<int>(std::min(attempt, 40u)));
  const double cap = std::min(static_cast<double>(max_ns), grown);
  return static_cast<std::int64_t>(cap * std::clamp(uniform01, 0.0, 1.0));
}

}  // namespace throng::agent
