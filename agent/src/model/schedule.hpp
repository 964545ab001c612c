#pragma once
// The load timeline as pure functions of time, so that every agent (and a
// test with a fake clock) computes the same schedule from the same plan.
// Times are nanoseconds since the run's start instant.

#include <cstdint>
#include <vector>

#include "control.pb.h"
#include "throng/common/random.hpp"

namespace throng::agent {

// A piecewise-linear target: each stage ramps from the previous target (0 at
// first) to its own over its duration; the value holds after the last stage.
class stage_curve {
 public:
  stage_curve() = default;
  explicit stage_curve(const google::protobuf::RepeatedPtrField<control::Stage>& stages);
  // A flat curve at `value` for `duration_ns`.
  static stage_curve flat(double value, std::int64_t duration_ns);

  double value_at(std::int64_t t) const;
  // The integral of the curve from 0 to t, in value-seconds (arrivals for a rate).
  double integral(std::int64_t t) const;
  // The first t with integral(t) >= amount, or -1 when the curve never gets there.
  std::int64_t time_of_integral(double amount) const;
  std::int64_t end() const { return points_.empty() ? 0 : points_.back().t; }

 private:
  struct point { std::int64_t t; double value; double integral; };
  std::vector<point> points_;  // stage boundaries, starting at {0, 0, 0}
};

// How many of `whole` items fall in the segment [first, first + count) of
// `total` slots, splitting so that segments add up to `whole` exactly
// (k6-style execution segments).
std::uint64_t segment_share(std::uint64_t whole, std::uint64_t first, std::uint64_t count, std::uint64_t total);

// The concurrent users a closed-model run wants at t, over the whole run.
std::uint64_t closed_target(const stage_curve& curve, std::int64_t t);

// The instant of the whole run's arrival number j (0-based) in the open
// model: the curve is a rate, arrivals are evenly spaced in its integral.
// -1 once the curve has ended.
std::int64_t arrival_time(const stage_curve& curve, std::uint64_t j);

// The gap to a user's next send under the plan's send model, with the live
// rate multiplier; 0 for models without per-user sends.
std::int64_t send_gap(const control::Plan& plan, double multiplier, rng& random);

// The first fixed-rate slot at or after `from` for a user whose slots are at
// phase + k * interval.
std::int64_t first_slot(std::int64_t from, std::int64_t phase, std::int64_t interval);

}  // namespace throng::agent
