// The load timeline is a pure function of time, so these tests drive it with
// a fake clock (plain nanosecond values) instead of sleeping.
#include <gtest/gtest.h>

#include <cmath>

#include "model/schedule.hpp"

namespace throng::agent {
namespace {

constexpr std::int64_t s = 1'000'000'000;
constexpr std::int64_t ms = 1'000'000;

google::protobuf::RepeatedPtrField<control::Stage> stages(std::initializer_list<std::pair<std::int64_t, double>> list) {
  google::protobuf::RepeatedPtrField<control::Stage> out;
  for (auto [d, target] : list) {
    auto* stage = out.Add();
    stage->set_duration_ns(d);
    stage->set_target(target);
  }
  return out;
}

TEST(StageCurve, RampsLinearlyAndHoldsAfterTheLastStage) {
  const stage_curve curve(stages({{10 * s, 100}, {20 * s, 100}, {10 * s, 0}}));
  EXPECT_EQ(curve.end(), 40 * s);
  EXPECT_DOUBLE_EQ(curve.value_at(0), 0);
  EXPECT_DOUBLE_EQ(curve.value_at(5 * s), 50);
  EXPECT_DOUBLE_EQ(curve.value_at(10 * s), 100);
  EXPECT_DOUBLE_EQ(curve.value_at(25 * s), 100);
  EXPECT_DOUBLE_EQ(curve.value_at(35 * s), 50);
  EXPECT_DOUBLE_EQ(curve.value_at(100 * s), 0);
  EXPECT_DOUBLE_EQ(curve.value_at(-1), 0);
}

TEST(StageCurve, ClosedTargetReachesTheStageTargetExactly) {
  const stage_curve curve(stages({{3 * s, 100}}));
  EXPECT_EQ(closed_target(curve, 0), 0u);
  EXPECT_EQ(closed_target(curve, 3 * s / 2), 50u);
  EXPECT_EQ(closed_target(curve, 3 * s), 100u);
}

TEST(StageCurve, FlatCurveIsTheWholePopulationFromTheStart) {
  const auto curve = stage_curve::flat(40, 5 * s);
  EXPECT_EQ(closed_target(curve, 0), 40u);
  EXPECT_EQ(closed_target(curve, 5 * s), 40u);
  EXPECT_DOUBLE_EQ(curve.integral(5 * s), 200);
}

TEST(Arrivals, AConstantRateSpacesArrivalsEvenly) {
  // 2 arrivals/s for 1 s: at 0.25 s and 0.75 s, and no third.
  const auto curve = stage_curve::flat(2, 1 * s);
  EXPECT_EQ(arrival_time(curve, 0), 250 * ms);
  EXPECT_EQ(arrival_time(curve, 1), 750 * ms);
  EXPECT_EQ(arrival_time(curve, 2), -1);
}

TEST(Arrivals, ARampingRateGivesTheIntegralNumberOfArrivals) {
  // From 0 to 100/s over 10 s: 500 arrivals, denser towards the end.
  const stage_curve curve(stages({{10 * s, 100}}));
  std::uint64_t n = 0;
  std::int64_t last = -1, first_gap = 0, last_gap = 0;
  for (std::uint64_t j = 0;; ++j) {
    const auto t = arrival_time(curve, j);
    if (t < 0) break;
    ASSERT_GE(t, last);
    if (j == 1) first_gap = t - last;
    last_gap = t - last;
    last = t;
    ++n;
  }
  EXPECT_EQ(n, 500u);
  EXPECT_GT(first_gap, 10 * last_gap);
}

TEST(Segments, SharesAddUpToTheWholeForAnySplit) {
  for (std::uint64_t whole : {0ull, 1ull, 7ull, 100ull, 99'999ull}) {
    for (std::uint64_t agents : {1ull, 3ull, 7ull}) {
      const std::uint64_t total = 1000;
      std::uint64_t sum = 0, first = 0;
      for (std::uint64_t a = 0; a < agents; ++a) {
        const std::uint64_t count = total / agents + (a < total % agents ? 1 : 0);
        sum += segment_share(whole, first, count, total);
        first += count;
      }
      EXPECT_EQ(sum, whole) << whole << " over " << agents;
    }
  }
}

control::Plan send_plan(control::SendModel model, double per_user_rate) {
  control::Plan plan;
  plan.set_send_model(model);
  plan.set_sends_per_user_per_s(per_user_rate);
  return plan;
}

TEST(SendGap, FixedRateIsOneOverTheRateAndFollowsTheMultiplier) {
  const auto plan = send_plan(control::SEND_FIXED_RATE, 4);
  rng random(1);
  EXPECT_EQ(send_gap(plan, 1, random), 250 * ms);
  EXPECT_EQ(send_gap(plan, 2, random), 125 * ms);  // a burst doubles the rate
  EXPECT_EQ(send_gap(send_plan(control::SEND_NONE, 4), 1, random), 0);
}

TEST(SendGap, PoissonGapsAreExponentialWithTheRatesMean) {
  const auto plan = send_plan(control::SEND_POISSON, 10);
  rng random(5);
  double sum = 0, sq = 0;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) {
    const double g = static_cast<double>(send_gap(plan, 1, random)) / s;
    sum += g;
    sq += g * g;
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, 0.1, 0.002);
  EXPECT_NEAR(std::sqrt(sq / n - mean * mean), 0.1, 0.003);  // exponential: stddev == mean
}

TEST(SendGap, ThinkTimeComesFromItsDistribution) {
  auto plan = send_plan(control::SEND_THINK_TIME, 0);
  plan.mutable_think_time()->set_kind(control::Distribution::UNIFORM);
  plan.mutable_think_time()->set_a(1);
  plan.mutable_think_time()->set_b(3);
  rng random(8);
  for (int i = 0; i < 1000; ++i) {
    const auto g = send_gap(plan, 1, random);
    ASSERT_GE(g, 1 * s);
    ASSERT_LT(g, 3 * s);
  }
  plan.mutable_think_time()->set_kind(control::Distribution::CONSTANT);
  EXPECT_EQ(send_gap(plan, 2, random), s / 2);  // a burst shortens thinking
}

TEST(FixedRateTimeline, AFakeClockSeesExactlyRateTimesDurationSends) {
  // One user at 5/s for 10 s with a random phase: its slots are phase + k * 200 ms.
  const auto plan = send_plan(control::SEND_FIXED_RATE, 5);
  rng random(77);
  const std::int64_t gap = send_gap(plan, 1, random);
  const std::int64_t phase = static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(gap)));
  int sends = 0;
  for (std::int64_t next = first_slot(0, phase, gap); next < 10 * s; next += send_gap(plan, 1, random)) ++sends;
  EXPECT_EQ(sends, 50);
}

TEST(FixedRateTimeline, ALateJoinerPicksUpAtItsNextSlotNotAtOnce) {
  EXPECT_EQ(first_slot(0, 30, 100), 30);
  EXPECT_EQ(first_slot(30, 30, 100), 30);
  EXPECT_EQ(first_slot(31, 30, 100), 130);
  EXPECT_EQ(first_slot(1000, 30, 100), 1030);
}

TEST(FixedRateTimeline, TheSameSeedGivesTheSameSchedule) {
  const auto plan = send_plan(control::SEND_POISSON, 3);
  rng a(123, 9, stream::sends), b(123, 9, stream::sends);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(send_gap(plan, 1, a), send_gap(plan, 1, b));
}

}  // namespace
}  // namespace throng::agent
