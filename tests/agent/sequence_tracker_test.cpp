#include <gtest/gtest.h>

#include "model/backoff.hpp"
#include "model/sequence_tracker.hpp"

namespace throng::agent {
namespace {

constexpr std::int64_t grace = 1000;

TEST(SequenceTracker, InOrderDeliveryCountsNothing) {
  sequence_tracker t;
  sequence_counts c;
  t.set_baseline(10);
  for (std::uint64_t s = 11; s <= 20; ++s) t.on_seq(s, 0, grace, c);
  t.expire(1'000'000, c);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.duplicated, 0u);
  EXPECT_EQ(c.out_of_order, 0u);
  EXPECT_EQ(t.highest(), 20u);
  EXPECT_EQ(t.resume_from(), 20u);
}

TEST(SequenceTracker, TheFirstMessageIsTheBaselineWithoutOne) {
  sequence_tracker t;
  sequence_counts c;
  t.on_seq(500, 0, grace, c);
  t.on_seq(501, 0, grace, c);
  t.close(c);
  EXPECT_EQ(c.lost, 0u);
}

TEST(SequenceTracker, AGapIsLostOnlyAfterTheGracePeriod) {
  sequence_tracker t;
  sequence_counts c;
  t.set_baseline(0);
  t.on_seq(1, 0, grace, c);
  t.on_seq(5, 100, grace, c);  // 2, 3, 4 missing
  EXPECT_EQ(t.open_gaps(), 3u);
  t.expire(100 + grace - 1, c);
  EXPECT_EQ(c.lost, 0u);
  t.expire(100 + grace, c);
  EXPECT_EQ(c.lost, 3u);
  EXPECT_EQ(t.open_gaps(), 0u);
}

TEST(SequenceTracker, ALateFrameFillsTheGapAndIsOutOfOrder) {
  sequence_tracker t;
  sequence_counts c;
  t.set_baseline(0);
  t.on_seq(1, 0, grace, c);
  t.on_seq(4, 0, grace, c);
  t.on_seq(3, 10, grace, c);  // end of the gap
  t.on_seq(2, 20, grace, c);  // start of the gap
  t.expire(10 * grace, c);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.out_of_order, 2u);
  EXPECT_EQ(c.duplicated, 0u);
}

TEST(SequenceTracker, FillingTheMiddleSplitsTheGap) {
  sequence_tracker t;
  sequence_counts c;
  t.set_baseline(0);
  t.on_seq(10, 0, grace, c);  // 1..9 missing
  t.on_seq(5, 0, grace, c);
  EXPECT_EQ(t.open_gaps(), 8u);
  EXPECT_EQ(t.resume_from(), 0u);
  t.close(c);
  EXPECT_EQ(c.lost, 8u);
}

TEST(SequenceTracker, ARepeatIsADuplicate) {
  sequence_tracker t;
  sequence_counts c;
  t.set_baseline(0);
  t.on_seq(1, 0, grace, c);
  t.on_seq(2, 0, grace, c);
  t.on_seq(2, 0, grace, c);
  t.on_seq(1, 0, grace, c);
  EXPECT_EQ(c.duplicated, 2u);
}

TEST(SequenceTracker, AReplayAfterRejoinFillsGapsWithoutCountingRepeats) {
  sequence_tracker t;
  sequence_counts c;
  t.set_baseline(0);
  t.on_seq(1, 0, grace, c);
  t.on_seq(2, 0, grace, c);
  // Disconnected while 3..6 went out; the live 7 arrives after the rejoin first.
  t.on_seq(7, 0, grace, c);
  EXPECT_EQ(t.resume_from(), 2u);  // replay everything after 2
  for (std::uint64_t s = 2; s <= 7; ++s) t.on_seq(s, 10, grace, c, /*replay=*/true);
  t.expire(10 * grace, c);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.duplicated, 0u);
  EXPECT_EQ(c.out_of_order, 0u);
}

TEST(SequenceTracker, CloseCountsEveryOpenGap) {
  sequence_tracker t;
  sequence_counts c;
  t.set_baseline(0);
  t.on_seq(3, 0, grace, c);
  t.on_seq(6, 0, grace, c);
  t.close(c);
  EXPECT_EQ(c.lost, 4u);  // 1, 2, 4, 5
}

TEST(Backoff, GrowsExponentiallyUpToTheCap) {
  constexpr std::int64_t base = 100, cap = 1000;
  EXPECT_EQ(backoff_delay(0, base, cap, 0.999999), 99);
  EXPECT_EQ(backoff_delay(1, base, cap, 0.999999), 199);
  EXPECT_EQ(backoff_delay(3, base, cap, 0.999999), 799);
  EXPECT_EQ(backoff_delay(4, base, cap, 0.999999), 999);
  EXPECT_EQ(backoff_delay(200, base, cap, 0.999999), 999);  // no overflow for huge attempt counts
}

TEST(Backoff, FullJitterSpreadsOverTheWholeWindow) {
  EXPECT_EQ(backoff_delay(2, 100, 1000, 0.0), 0);
  EXPECT_EQ(backoff_delay(2, 100, 1000, 0.5), 200);
  EXPECT_EQ(backoff_delay(2, 100, 1000, 7.0), 400);  // out-of-range input is clamped
}

}  // namespace
}  // namespace throng::agent
