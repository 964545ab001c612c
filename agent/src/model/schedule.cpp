#include "schedule.hpp"

#include <algorithm>
#include <cmath>

#include "distribution.hpp"

namespace throng::agent {

stage_curve::stage_curve(const google::protobuf::RepeatedPtrField<control::Stage>& stages) {
  points_.push_back({0, 0, 0});
  for (const auto& s : stages) {
    const auto& p = points_.back();
    const std::int64_t d = std::max<std::int64_t>(0, s.duration_ns());
    points_.push_back({p.t + d, s.target(), p.integral + (p.value + s.target()) / 2 * static_cast<double>(d) / 1e9});
  }
}

stage_curve stage_curve::flat(double value, std::int64_t duration_ns) {
  stage_curve c;
  // A step to `value` at 0, then flat.
  c.points_ = {{0, value, 0}, {duration_ns, value, value * static_cast<double>(duration_ns) / 1e9}};
  return c;
}

double stage_curve::value_at(std::int64_t t) const {
  if (points_.empty() || t < 0) return 0;
  if (t >= points_.back().t) return points_.back().value;
  const auto it = std::upper_bound(points_.begin(), points_.end(), t, [](std::int64_t v, const point& p) { return v < p.t; });
  const auto& b = *it;
  const auto& a = *(it - 1);
  const double f = static_cast<double>(t - a.t) / static_cast<double>(b.t - a.t);
  return a.value + (b.value - a.value) * f;
}

double stage_curve::integral(std::int64_t t) const {
  if (points_.empty() || t <= 0) return 0;
  if (t >= points_.back().t) return points_.back().integral;
  const auto it = std::upper_bound(points_.begin(), points_.end(), t, [](std::int64_t v, const point& p) { return v < p.t; });
  const auto& a = *(it - 1);
  const double v = value_at(t);
  return a.integral + (a.value + v) / 2 * static_cast<double>(t - a.t) / 1e9;
}

std::int64_t stage_curve::time_of_integral(double amount) const {
  if (points_.empty()) return -1;
  if (amount <= 0) return 0;
  if (amount > points_.back().integral) return -1;
  const auto it = std::lower_bound(points_.begin(), points_.end(), amount,
                                   [](const point& p, double v) { return p.integral < v; });
  const auto& b = *it;
  const auto& a = *(it - 1);
  // Solve a.integral + a.value*x + (b.value-a.value)/(2*len)*x^2 = amount for x seconds.
  const double len = static_cast<double>(b.t - a.t) / 1e9;
  const double need = amount - a.integral;
  const double slope = (b.value - a.value) / len;
  double x;
  if (std::abs(slope) < 1e-12) {
    x = a.value > 0 ? need / a.value : len;
  } else {
    const double disc = std::max(0.0, a.value * a.value + 2 * slope * need);
    x = (-a.value + std::sqrt(disc)) / slope;
  }
  x = std::clamp(x, 0.0, len);
  return a.t + static_cast<std::int64_t>(std::ceil(x * 1e9));
}

std::uint64_t segment_share(std::uint64_t whole, std::uint64_t first, std::uint64_t count, std::uint64_t total) {
  if (total == 0) return 0;
  const auto at = [&](std::uint64_t boundary) {
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(whole) * boundary / total);
  };
  return at(first + count) - at(first);
}

std::uint64_t closed_target(const stage_curve& curve, std::int64_t t) {
  // A hair of tolerance so that a ramp to 100 reaches 100, not 99.
  return static_cast<std::uint64_t>(std::floor(curve.value_at(t) + 1e-9));
}

std::int64_t arrival_time(const stage_curve& curve, std::uint64_t j) {
  // Arrival j sits at integral j + 1/2: a rate of 2/s over 1 s gives arrivals at 0.25 s and 0.75 s.
  return curve.time_of_integral(static_cast<double>(j) + 0.5);
}

std::int64_t send_gap(const control::Plan& plan, double multiplier, rng& random) {
  if (multiplier <= 0) multiplier = 1;
  const double rate = plan.sends_per_user_per_s() * multiplier;
  double seconds = 0;
  switch (plan.send_model()) {
    case control::SEND_FIXED_RATE:
      if (rate <= 0) return 0;
      seconds = 1 / rate;
      break;
    case control::SEND_POISSON:
      if (rate <= 0) return 0;
      seconds = -std::log(1.0 - random.uniform()) / rate;
      break;
    case control::SEND_THINK_TIME:
    case control::SEND_CLOSED_LOOP: seconds = sample(plan.think_time(), random) / multiplier; break;
    default: return 0;
  }
  // A closed loop may answer at once: its ack wait paces it.
  if (plan.send_model() == control::SEND_CLOSED_LOOP) return static_cast<std::int64_t>(std::llround(seconds * 1e9));
  // At least 1 µs, so that a zero think time cannot spin.
  return std::max<std::int64_t>(1000, static_cast<std::int64_t>(std::llround(seconds * 1e9)));
}

std::int64_t first_slot(std::int64_t from, std::int64_t phase, std::int64_t interval) {
  if (interval <= 0) return from;
  if (from <= phase) return phase;
  const std::int64_t k = (from - phase + interval - 1) / interval;
  return phase + k * interval;
}

}  // namespace throng::agent
