#pragma once
// Retry pacing for reconnects: many clients that lost the same server must
// not come back in lockstep.

#include <cstdint>

namespace throng::agent {

// Retry delay after `attempt` failures (0-based): "full jitter" exponential
// backoff, uniform in [0, min(max, base * 2^attempt)] for uniform01 in [0, 1).
std::int64_t backoff_delay(unsigned attempt, std::int64_t base_ns, std::int64_t max_ns, double uniform01);

}  // namespace throng::agent
