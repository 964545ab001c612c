#include "throng/common/clock.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace throng {
namespace {

// A remote clock that runs `offset_ns + drift * t` ahead of the local one,
// reached over a link with random, asymmetric one-way delays.
struct simulated_link {
  std::int64_t offset_ns;
  double drift;  // seconds gained per second (e.g. 50e-6 = 50 ppm)
  std::mt19937_64 rng{42};
  std::exponential_distribution<double> queueing{1.0 / 400'000};  // mean 400 us of queueing

  std::int64_t remote_at(std::int64_t local) const {
    return local + offset_ns + static_cast<std::int64_t>(drift * static_cast<double>(local));
  }
  std::int64_t true_offset_at(std::int64_t local) const { return remote_at(local) - local; }

  clock_sample exchange(std::int64_t local_t0) {
    const auto up = 50'000 + static_cast<std::int64_t>(queueing(rng));     // >= 50 us base
    const auto down = 50'000 + static_cast<std::int64_t>(queueing(rng));
    const std::int64_t processing = 20'000;
    clock_sample s;
    s.t0 = local_t0;
    s.t1 = remote_at(local_t0 + up);
    s.t2 = remote_at(local_t0 + up + processing);
    s.t3 = local_t0 + up + processing + down;
    return s;
  }
};

TEST(ClockOffset, SampleMathIsExactForSymmetricDelays) {
  clock_sample s{1'000, 6'001'000 + 100, 6'001'000 + 300, 1'400};  // remote is +6 ms, 100 ns each way
  EXPECT_EQ(s.rtt(), 200);
  EXPECT_EQ(s.offset(), 6'000'000 + 100 - 200 + 100);
}

TEST(ClockOffset, SkewedClockEstimatedWithinHalfRtt) {
  simulated_link link{-37'000'000'000, 0.0};  // remote 37 s behind
  clock_offset_estimator est(16);
  std::int64_t t = 1'000'000'000;
  for (int i = 0; i < 16; ++i, t += 100'000'000) est.add(link.exchange(t));
  const auto e = est.estimate();
  ASSERT_TRUE(e);
  EXPECT_LE(std::llabs(e->offset_ns - link.true_offset_at(t)), e->error_ns);
  EXPECT_LT(e->error_ns, 500'000) << "min-RTT filter should find a fast exchange";
}

TEST(ClockOffset, MinRttFilterBeatsTheAverage) {
  simulated_link link{12'345'678, 0.0};
  clock_offset_estimator est(64);
  double mean_abs_error = 0;
  std::int64_t t = 0;
  for (int i = 0; i < 64; ++i, t += 50'000'000) {
    const auto s = link.exchange(t);
    mean_abs_error += std::fabs(static_cast<double>(s.offset() - link.offset_ns)) / 64;
    est.add(s);
  }
  const auto e = est.estimate();
  ASSERT_TRUE(e);
  EXPECT_LT(std::fabs(static_cast<double>(e->offset_ns - link.offset_ns)), mean_abs_error);
}

TEST(ClockOffset, DriftingClockTrackedByTheWindow) {
  simulated_link link{5'000'000, 100e-6};  // 100 ppm: 100 us of drift per second
  clock_offset_estimator est(8);
  std::int64_t t = 0;
  for (int i = 0; i < 600; ++i, t += 100'000'000) {  // one minute of pings at 10 Hz
    est.add(link.exchange(t));
    if (i < 8) continue;
    const auto e = est.estimate();
    ASSERT_TRUE(e);
    // Exact within RTT/2 at the sample's own time...
    EXPECT_LE(std::llabs(e->offset_ns - link.true_offset_at(e->sampled_at)), e->error_ns);
    // ...and off by at most the drift since then at the current time.
    const auto age = t - e->sampled_at + 1'000'000;
    const auto drift_allowance = static_cast<std::int64_t>(link.drift * static_cast<double>(age)) + 1;
    EXPECT_LE(std::llabs(e->offset_ns - link.true_offset_at(t)), e->error_ns + drift_allowance);
  }
  // After a minute the remote is 6 ms further ahead; the estimate followed it.
  EXPECT_NEAR(static_cast<double>(est.estimate()->offset_ns), static_cast<double>(link.true_offset_at(t)), 1'000'000);
}

TEST(ClockOffset, IgnoresImpossibleSamplesAndKeepsTheWindow) {
  clock_offset_estimator est(4);
  EXPECT_FALSE(est.estimate());
  est.add(clock_sample{100, 50, 500, 200});  // remote took longer than the round trip
  EXPECT_EQ(est.size(), 0u);
  for (int i = 0; i < 10; ++i) est.add(clock_sample{i * 1000, i * 1000 + 10, i * 1000 + 20, i * 1000 + 40});
  EXPECT_EQ(est.size(), 4u);
  EXPECT_EQ(est.estimate()->rtt_ns, 30);
}

TEST(Clock, MonotonicClockAdvances) {
  const auto a = mono_ns();
  const auto b = mono_ns();
  EXPECT_LE(a, b);
  EXPECT_GT(wall_ns(), 1'600'000'000'000'000'000);
}

}  // namespace
}  // namespace throng
