#pragma once
// Distributions written as text, the one form the agent's flags and scenario
// files share: "30s" (constant), "exp:30s" (mean), "uniform:10s..60s",
// "normal:30s,5s" (mean, deviation), "lognormal:30s,0.5" (median, sigma).
// Times become seconds and sizes bytes ("uniform:100B..1KiB").

#include <string>
#include <string_view>

#include "control.pb.h"

namespace throng {

enum class distribution_unit { seconds, bytes };

// Throws std::invalid_argument with the accepted forms.
control::Distribution parse_distribution(std::string_view text, distribution_unit unit);
// Why the distribution is unusable, or empty when it is fine.
std::string distribution_problem(const control::Distribution& d, const char* what);
// Whether a size distribution's parameters stay within max_message_bytes
// (plan_limits.hpp); the agent also caps every sampled size there.
bool within_message_limit(const control::Distribution& d);
// An unset distribution is CONSTANT 0.
bool distribution_is_set(const control::Distribution& d);
// The distribution's mean.
double distribution_mean(const control::Distribution& d);

}  // namespace throng
