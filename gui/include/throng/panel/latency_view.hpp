#pragma once
// Latency histograms as the panel holds them: the sparse buckets of a
// serialised HDR histogram (stats.proto), which subtract exactly (a window is
// one cumulative histogram minus an earlier one), give exact percentiles, and
// re-bin into log-spaced display bins for drawing.

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "throng/common/histogram.hpp"

namespace throng::stats { class Histogram; }

namespace throng::panel {

class latency_view {
 public:
  latency_view() = default;
  // An empty view when the histogram is malformed (indices past its range).
  static latency_view from_proto(const stats::Histogram& h);

  // This cumulative histogram minus an earlier one of the same series: the
  // samples recorded in between. Buckets that would go negative count 0.
  latency_view minus(const latency_view& earlier) const;

  std::uint64_t count() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  // The value at or below which p percent of the samples fall (the highest
  // value of that bucket), as the controller computes it; 0 when empty.
  std::int64_t percentile(double p) const;

  // (bucket index, count) pairs, ascending, counts > 0.
  const std::vector<std::pair<std::uint32_t, std::uint64_t>>& buckets() const noexcept { return buckets_; }
  const histogram_config& config() const noexcept { return config_; }
  // The lowest and highest value of a bucket.
  std::pair<std::int64_t, std::int64_t> bucket_range(std::uint32_t index) const;

 private:
  histogram_config config_;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t min_ns_ = 0, max_ns_ = 0;  // known only for a histogram as received, else 0
};

// Display bins: `per_decade` log-spaced bins per factor of ten from 1 µs to
// 10^4 s, with the percentile markers the panel draws.
struct log_bins {
  static constexpr int per_decade = 10;
  static constexpr double lowest_ns = 1e3;
  static constexpr int decades = 10;
  static constexpr int count = per_decade * decades;
  static constexpr std::array<double, 4> marker_percentiles{50, 90, 99, 99.9};

  std::array<std::uint64_t, count> bins{};
  std::uint64_t total = 0;
  std::array<std::int64_t, 4> markers{};  // values of marker_percentiles, ns
  int first_used = -1, last_used = -1;    // range of non-empty bins

  static log_bins from(const latency_view& view);
  // The bin of a value, clamped to the range; its edges in ns.
  static int bin_of(double ns);
  static double lower_edge(int bin);
  static double upper_edge(int bin);
  // Share of the samples in bins [0, bin], in percent.
  double cumulative_percent(int bin) const;
};

}  // namespace throng::panel
