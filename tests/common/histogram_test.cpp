#include "throng/common/histogram.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "stats.pb.h"

namespace throng {
namespace {

// Exact percentile of a sorted sample, with the same rank rule as the histogram.
std::int64_t exact_percentile(const std::vector<std::int64_t>& sorted, double p) {
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size())));
  return sorted[rank - 1];
}

void expect_percentiles_within_precision(std::vector<std::int64_t> values, int digits) {
  histogram h(histogram_config{digits});
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  const double tolerance = std::pow(10.0, -digits);  // relative, from the significant digits
  for (double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const auto exact = static_cast<double>(exact_percentile(values, p));
    const auto got = static_cast<double>(h.percentile(p));
    EXPECT_LE(std::fabs(got - exact), exact * tolerance + 1) << "p" << p << " exact " << exact << " got " << got;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
}

TEST(Histogram, UniformSamplesMatchExactPercentiles) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::int64_t> dist(1'000, 5'000'000'000);
  std::vector<std::int64_t> v(200'000);
  for (auto& x : v) x = dist(rng);
  expect_percentiles_within_precision(v, 3);
}

TEST(Histogram, LogNormalSamplesMatchExactPercentiles) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> dist(std::log(2e6), 1.2);  // ~2 ms median, long tail
  std::vector<std::int64_t> v(200'000);
  for (auto& x : v) x = std::clamp<std::int64_t>(static_cast<std::int64_t>(dist(rng)), 1'000, 3'000'000'000'000);
  expect_percentiles_within_precision(v, 3);
  expect_percentiles_within_precision(v, 2);
}

TEST(Histogram, BimodalSamplesMatchExactPercentiles) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> fast(300e3, 30e3), slow(250e6, 20e6);  // 300 us and 250 ms modes
  std::bernoulli_distribution pick_slow(0.03);
  std::vector<std::int64_t> v(100'000);
  for (auto& x : v) x = std::max<std::int64_t>(1'000, static_cast<std::int64_t>(pick_slow(rng) ? slow(rng) : fast(rng)));
  expect_percentiles_within_precision(v, 3);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  std::mt19937_64 rng(4);
  std::uniform_int_distribution<std::int64_t> dist(1'000, 90'000'000'000);
  histogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    const auto x = dist(rng), y = dist(rng) / 7;
    a.record(x);
    b.record(y);
    all.record(x);
    all.record(y);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (std::size_t i = 0; i < a.bucket_count(); ++i) ASSERT_EQ(a.count_at_index(i), all.count_at_index(i)) << i;
  for (double p : {50.0, 99.0, 99.99}) EXPECT_EQ(a.percentile(p), all.percentile(p));
  EXPECT_NEAR(a.mean(), all.mean(), all.mean() * 1e-12);
}

TEST(Histogram, MergeRejectsDifferentConfigurations) {
  histogram a(histogram_config{3}), b(histogram_config{2});
  b.record(5'000);
  EXPECT_THROW(a.merge(b), std::invalid_argument);
}

TEST(Histogram, SerialisationRoundTripsSparsely) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(std::log(5e6), 1.0);
  histogram h;
  for (int i = 0; i < 10'000; ++i) h.record(static_cast<std::int64_t>(dist(rng)));
  h.record(-5);                     // underflow
  h.record(7'200'000'000'000);      // overflow (2 h)
  stats::Histogram wire;
  h.to_proto(wire);
  EXPECT_LT(static_cast<std::size_t>(wire.counts_size()), h.bucket_count() / 4) << "encoding should be sparse";

  const std::string bytes = wire.SerializeAsString();
  stats::Histogram parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  histogram back;
  ASSERT_TRUE(back.from_proto(parsed));
  EXPECT_EQ(back.count(), h.count());
  EXPECT_EQ(back.underflow(), 1u);
  EXPECT_EQ(back.overflow(), 1u);
  EXPECT_EQ(back.min(), -5);
  EXPECT_EQ(back.max(), 7'200'000'000'000);
  for (std::size_t i = 0; i < h.bucket_count(); ++i) ASSERT_EQ(back.count_at_index(i), h.count_at_index(i));
  EXPECT_DOUBLE_EQ(back.mean(), h.mean());
}

TEST(Histogram, MergeProtoEqualsMergeAndLeavesNothingBehindOnBadInput) {
  std::mt19937_64 rng(6);
  std::uniform_int_distribution<std::int64_t> dist(1'000, 9'000'000'000);
  histogram a, b;
  for (int i = 0; i < 5'000; ++i) {
    a.record(dist(rng));
    b.record(dist(rng) / 3);
  }
  stats::Histogram wire;
  b.to_proto(wire);
  histogram via_proto = a;
  ASSERT_TRUE(via_proto.merge_proto(wire));
  a.merge(b);
  for (std::size_t i = 0; i < a.bucket_count(); ++i) ASSERT_EQ(via_proto.count_at_index(i), a.count_at_index(i));
  EXPECT_EQ(via_proto.min(), a.min());
  EXPECT_EQ(via_proto.max(), a.max());
  EXPECT_DOUBLE_EQ(via_proto.mean(), a.mean());

  wire.add_index_deltas(1'000'000);  // past the last bucket
  wire.add_counts(1);
  const auto before = via_proto.count();
  EXPECT_FALSE(via_proto.merge_proto(wire));
  EXPECT_EQ(via_proto.count(), before) << "a corrupt report must not be half-added";
}

TEST(Histogram, FromProtoRejectsMismatchedOrCorruptInput) {
  histogram h;
  h.record(12'345);
  stats::Histogram wire;
  h.to_proto(wire);
  histogram other(histogram_config{2});
  EXPECT_FALSE(other.from_proto(wire));
  wire.set_significant_digits(3);
  wire.add_index_deltas(1'000'000);  // beyond the last bucket
  wire.add_counts(1);
  histogram back;
  EXPECT_FALSE(back.from_proto(wire));
  EXPECT_EQ(back.count(), 0u);
}

TEST(Histogram, OutOfRangeValuesAreCountedNotLost) {
  histogram h;
  h.record(-1'000);
  h.record(0);
  h.record(10'000'000'000'000);  // beyond 1 h
  h.record(50'000);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.underflow(), 1u);
  EXPECT_EQ(h.overflow(), 1u);
  EXPECT_EQ(h.min(), -1'000);
  EXPECT_EQ(h.max(), 10'000'000'000'000);
  EXPECT_EQ(h.percentile(100), 10'000'000'000'000);
}

TEST(Histogram, StatisticsAndReset) {
  histogram h;
  for (int i = 1; i <= 4; ++i) h.record(i * 1'000'000);
  EXPECT_DOUBLE_EQ(h.mean(), 2.5e6);
  EXPECT_NEAR(h.stddev(), 1.118034e6, 1e1);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(Histogram, ReusedAfterResetLeavesNoCountBehind) {
  // The reporter swaps, reads and resets the same histograms every second,
  // touching only the buckets between min and max.
  histogram h, total;
  std::mt19937_64 rng(9);
  for (int window = 0; window < 20; ++window) {
    std::uniform_int_distribution<std::int64_t> dist(window % 2 ? 1'000 : 1'000'000, window % 2 ? 50'000 : 900'000'000);
    h.reset();
    for (int i = 0; i < 1'000; ++i) h.record(dist(rng));
    h.record(-5);                  // underflow
    h.record(7'200'000'000'000);   // overflow
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < h.bucket_count(); ++i) sum += h.count_at_index(i);
    ASSERT_EQ(sum, h.count()) << "window " << window;
    total.merge(h);
  }
  EXPECT_EQ(total.count(), 20u * 1'002);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < total.bucket_count(); ++i) sum += total.count_at_index(i);
  EXPECT_EQ(sum, total.count());
}

TEST(Histogram, MergeProtoRejectsCountsOutsideMinAndMax) {
  histogram h;
  h.record(10'000);
  stats::Histogram wire;
  h.to_proto(wire);
  wire.set_max_ns(5'000);  // claims every value is below the one bucket it fills
  histogram target;
  EXPECT_FALSE(target.merge_proto(wire));
  EXPECT_EQ(target.count(), 0u);
}

TEST(Histogram, EquivalentValueRangesNest) {
  histogram h;
  for (std::int64_t v : {1'000LL, 2'047'000LL, 123'456'789LL, 3'000'000'000'000LL}) {
    EXPECT_LE(h.lowest_equivalent(v), v);
    EXPECT_GE(h.highest_equivalent(v), v);
    EXPECT_LE(static_cast<double>(h.highest_equivalent(v) - h.lowest_equivalent(v)), v * 1e-3);
  }
}

}  // namespace
}  // namespace throng

using throng::histogram;

// An agent holds dozens of histograms per worker: an empty or sparse one must
// cost the pages its values touched, not its whole range.
TEST(Histogram, OnlyTheTouchedPartOfAHistogramIsResident) {
  const auto resident_bytes = [] {
    long pages = 0, resident = 0;
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0L;
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
    return resident * ::sysconf(_SC_PAGESIZE);
  };
  const long before = resident_bytes();
  std::vector<histogram> many(200);
  for (auto& h : many)
    for (std::int64_t v : {1'000'000, 2'000'000, 5'000'000}) h.record(v);
  const long grown = resident_bytes() - before;
  const auto full = static_cast<long>(many.size() * many[0].bucket_count() * sizeof(std::uint64_t));
  EXPECT_LT(grown, full / 10) << "200 histograms of " << many[0].bucket_count() << " buckets";
  EXPECT_EQ(many.back().percentile(50), many.back().highest_equivalent(2'000'000));
}

TEST(Histogram, ACopyKeepsEveryCountAcrossItsWholeRange) {
  histogram h;
  for (std::int64_t v = 1'000; v < 3'600'000'000'000; v = v * 3 + 7) h.record(v, static_cast<std::uint64_t>(v % 5 + 1));
  const histogram copy = h;
  histogram assigned;
  assigned.record(42'000);
  assigned = h;
  ASSERT_EQ(copy.count(), h.count());
  for (std::size_t i = 0; i < h.bucket_count(); ++i) {
    ASSERT_EQ(copy.count_at_index(i), h.count_at_index(i)) << i;
    ASSERT_EQ(assigned.count_at_index(i), h.count_at_index(i)) << i;
  }
  histogram moved = std::move(assigned);
  EXPECT_EQ(moved.percentile(99), h.percentile(99));
}
