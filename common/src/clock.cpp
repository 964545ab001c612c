#include "throng/common/clock.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <ctime>

namespace throng {

namespace {
std::int64_t read(clockid_t id) noexcept {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

std::int64_t mono_ns() noexcept { return read(CLOCK_MONOTONIC); }
std::int64_t wall_ns() noexcept { return read(CLOCK_REALTIME); }

std::int64_t cpu_time_ns(bool with_children) noexcept {
  std::int64_t total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    if (who == RUSAGE_CHILDREN && !with_children) break;
    rusage usage{};
    getrusage(who, &usage);
    for (const auto& t : {usage.ru_utime, usage.ru_stime})
      total += static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + static_cast<std::int64_t>(t.tv_usec) * 1000;
  }
  return total;
}

void clock_offset_estimator::add(const clock_sample& sample) {
  if (sample.rtt() < 0) return;
  samples_.push_back(sample);
  while (samples_.size() > window_) samples_.pop_front();
}

std::optional<clock_estimate> clock_offset_estimator::estimate() const {
  if (samples_.empty()) return std::nullopt;
  // Ties go to the newest sample, the one closest to now under drift.
  const clock_sample* best = &samples_.front();
  for (const auto& s : samples_)
    if (s.rtt() <= best->rtt()) best = &s;
  return clock_estimate{best->offset(), (best->rtt() + 1) / 2, best->rtt(), best->t3};
}

}  // namespace throng
