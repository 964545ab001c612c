#pragma once
// Clocks and NTP-style clock-offset estimation.
//
// Every process measures with its own monotonic clock (immune to wall-clock
// steps); agents map it onto the controller's monotonic clock with the offset
// estimated from ping exchanges, so e2e latencies are taken in one timebase.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace throng {

// Monotonic nanoseconds since an arbitrary epoch shared by all processes on a host.
std::int64_t mono_ns() noexcept;
// Wall-clock nanoseconds since the Unix epoch, for display only.
std::int64_t wall_ns() noexcept;
// User + system CPU time of this process, and of its waited-for children
// when asked (the processes of a split agent).
std::int64_t cpu_time_ns(bool with_children = false) noexcept;
// A mono_ns() instant as a steady_clock time point, for timers (steady_clock
// is CLOCK_MONOTONIC on Linux, the clock of mono_ns()).
inline std::chrono::steady_clock::time_point steady_at(std::int64_t mono) noexcept {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(mono));
}

// One ping exchange: t0 local send, t1 remote receive, t2 remote reply, t3 local receive.
struct clock_sample {
  std::int64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  // remote - local, exact when the two path delays are equal.
  std::int64_t offset() const noexcept { return ((t1 - t0) + (t2 - t3)) / 2; }
  // Time on the wire, both ways, without the remote's processing time.
  std::int64_t rtt() const noexcept { return (t3 - t0) - (t2 - t1); }
};

struct clock_estimate {
  std::int64_t offset_ns = 0;   // add to a local time to get remote time
  std::int64_t error_ns = 0;    // |true offset - offset_ns| <= error_ns (RTT/2) at sample time
  std::int64_t rtt_ns = 0;
  std::int64_t sampled_at = 0;  // local time (t3) of the sample the estimate comes from
};

// Keeps the last `window` samples and trusts the one with the smallest
// round trip: queueing only ever adds delay, so the fastest exchange has the
// tightest bound. A bounded window lets the estimate follow clock drift.
class clock_offset_estimator {
 public:
  explicit clock_offset_estimator(std::size_t window = 16) : window_(window ? window : 1) {}

  // Samples with a negative RTT (impossible unless clocks misbehave) are ignored.
  void add(const clock_sample& sample);
  std::optional<clock_estimate> estimate() const;
  std::size_t size() const noexcept { return samples_.size(); }

 private:
  std::size_t window_;
  std::deque<clock_sample> samples_;
};

}  // namespace throng
