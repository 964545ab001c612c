#pragma once
// Sampling the plan's distributions (think times, session durations, message
// sizes). Zipf room choices: throng/common/room_assignment.hpp.

#include <cstdint>
#include <vector>

#include "control.pb.h"
#include "throng/common/random.hpp"
#include "throng/common/room_assignment.hpp"
#include "throng/common/distribution_text.hpp"

namespace throng::agent {

// One draw; never negative.
double sample(const control::Distribution& d, rng& random);
// Parsing, checks and means: throng/common/distribution_text.hpp.

}  // namespace throng::agent
