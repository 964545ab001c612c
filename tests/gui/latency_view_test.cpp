// The panel's histograms: exact percentiles and windows from the serialised
// HDR histograms, and the log-spaced display bins.
#include <gtest/gtest.h>

#include "stats.pb.h"
#include "throng/common/histogram.hpp"
#include "throng/panel/latency_view.hpp"

namespace throng::panel {
namespace {

stats::Histogram serialised(const histogram& h) {
  stats::Histogram out;
  h.to_proto(out);
  return out;
}

TEST(LatencyView, PercentilesMatchTheControllers) {
  histogram h;
  for (int i = 1; i <= 10'000; ++i) h.record(i * 1'000);  // 1 us .. 10 ms
  h.record(3'000'000'000);                                // one 3 s outlier
  const auto view = latency_view::from_proto(serialised(h));
  EXPECT_EQ(view.count(), h.count());
  for (double p : {0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) EXPECT_EQ(view.percentile(p), h.percentile(p)) << p;
}

TEST(LatencyView, AWindowIsTheLaterCumulativeMinusTheEarlier) {
  histogram first, cumulative, second;
  for (int i = 0; i < 1000; ++i) first.record(1'000'000);          // 1 ms
  cumulative.merge(first);
  for (int i = 0; i < 500; ++i) second.record(50'000'000 + i * 1000);  // ~50 ms
  cumulative.merge(second);
  const auto window = latency_view::from_proto(serialised(cumulative)).minus(latency_view::from_proto(serialised(first)));
  EXPECT_EQ(window.count(), 500u);
  for (double p : {1.0, 50.0, 99.0}) EXPECT_EQ(window.percentile(p), second.percentile(p)) << p;
  // A window does not know its true maximum, only its bucket: within the histogram's precision.
  EXPECT_NEAR(static_cast<double>(window.percentile(100)), static_cast<double>(second.percentile(100)), 50e6 * 1e-3);
  // Nothing earlier: the whole cumulative histogram.
  EXPECT_EQ(latency_view::from_proto(serialised(cumulative)).minus(latency_view{}).count(), 1500u);
}

TEST(LatencyView, AMalformedHistogramIsEmptyNotACrash) {
  stats::Histogram bad;
  bad.set_significant_digits(3);
  bad.set_lowest_ns(1000);
  bad.set_highest_ns(3'600'000'000'000);
  bad.add_index_deltas(4'000'000'000u);  // far past the last bucket
  bad.add_counts(7);
  EXPECT_TRUE(latency_view::from_proto(bad).empty());
  bad.add_index_deltas(1);  // deltas and counts of different lengths
  EXPECT_TRUE(latency_view::from_proto(bad).empty());
  EXPECT_EQ(latency_view::from_proto(bad).percentile(99), 0);
}

TEST(LogBins, SamplesLandInTheirDecadeWithMarkers) {
  EXPECT_EQ(log_bins::bin_of(1e3), 0);
  EXPECT_EQ(log_bins::bin_of(1e6), 3 * log_bins::per_decade);  // 1 ms: three decades above 1 us
  EXPECT_EQ(log_bins::bin_of(1.3e6), 3 * log_bins::per_decade + 1);
  EXPECT_EQ(log_bins::bin_of(1), 0);                            // clamped
  EXPECT_EQ(log_bins::bin_of(1e20), log_bins::count - 1);
  EXPECT_NEAR(log_bins::lower_edge(3 * log_bins::per_decade), 1e6, 1);

  histogram h;
  for (int i = 0; i < 900; ++i) h.record(1'100'000);    // 1.1 ms
  for (int i = 0; i < 100; ++i) h.record(120'000'000);  // 120 ms
  const auto bins = log_bins::from(latency_view::from_proto(serialised(h)));
  EXPECT_EQ(bins.total, 1000u);
  EXPECT_EQ(bins.bins[static_cast<std::size_t>(log_bins::bin_of(1.1e6))], 900u);
  EXPECT_EQ(bins.bins[static_cast<std::size_t>(log_bins::bin_of(1.2e8))], 100u);
  EXPECT_EQ(bins.first_used, log_bins::bin_of(1.1e6));
  EXPECT_EQ(bins.last_used, log_bins::bin_of(1.2e8));
  EXPECT_DOUBLE_EQ(bins.cumulative_percent(bins.first_used), 90.0);
  EXPECT_DOUBLE_EQ(bins.cumulative_percent(bins.last_used), 100.0);
  // p50 and p90 in the 1.1 ms bucket, p99 and p99.9 in the 120 ms one.
  EXPECT_EQ(bins.markers[0], h.percentile(50));
  EXPECT_EQ(bins.markers[1], h.percentile(90));
  EXPECT_EQ(bins.markers[2], h.percentile(99));
  EXPECT_NEAR(static_cast<double>(bins.markers[3]), 1.2e8, 1.2e5);
}

}  // namespace
}  // namespace throng::panel
