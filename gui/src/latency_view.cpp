#include "throng/panel/latency_view.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "stats.pb.h"

namespace throng::panel {

namespace {

// Bucket geometry is that of a histogram with the same configuration; one
// instance per configuration seen (in practice one), with the display bin of
// each bucket worked out once (re-binning is the network thread's main cost).
struct bucket_geometry {
  histogram shape;
  std::vector<std::int16_t> display_bin;  // -1: not yet computed
  explicit bucket_geometry(const histogram_config& c) : shape(c), display_bin(shape.bucket_count(), -1) {}
};

bucket_geometry& geometry_of(const histogram_config& config) {
  static thread_local std::vector<std::unique_ptr<bucket_geometry>> known;
  for (const auto& g : known)
    if (g->shape.config() == config) return *g;
  known.push_back(std::make_unique<bucket_geometry>(config));
  return *known.back();
}

const histogram& geometry(const histogram_config& config) { return geometry_of(config).shape; }

}  // namespace

latency_view latency_view::from_proto(const stats::Histogram& h) {
  latency_view out;
  if (h.index_deltas_size() != h.counts_size() || h.significant_digits() < 1 || h.significant_digits() > 5 ||
      h.lowest_ns() < 1 || h.highest_ns() < 2 * h.lowest_ns())
    return out;
  out.config_ = {static_cast<int>(h.significant_digits()), h.lowest_ns(), h.highest_ns()};
  const auto bucket_limit = geometry(out.config_).bucket_count();
  std::uint64_t index = 0;
  out.buckets_.reserve(static_cast<std::size_t>(h.counts_size()));
  for (int k = 0; k < h.counts_size(); ++k) {
    index += h.index_deltas(k);
    if (index >= bucket_limit) return latency_view{};
    if (h.counts(k) == 0) continue;
    out.buckets_.emplace_back(static_cast<std::uint32_t>(index), h.counts(k));
    out.count_ += h.counts(k);
  }
  out.min_ns_ = h.min_ns();
  out.max_ns_ = h.max_ns();
  return out;
}

latency_view latency_view::minus(const latency_view& earlier) const {
  if (earlier.empty()) return *this;
  latency_view out;
  out.config_ = config_;
  if (!(earlier.config_ == config_)) return *this;
  auto e = earlier.buckets_.begin();
  for (const auto& [index, count] : buckets_) {
    while (e != earlier.buckets_.end() && e->first < index) ++e;
    const std::uint64_t before = (e != earlier.buckets_.end() && e->first == index) ? e->second : 0;
    if (count > before) {
      out.buckets_.emplace_back(index, count - before);
      out.count_ += count - before;
    }
  }
  return out;
}

std::pair<std::int64_t, std::int64_t> latency_view::bucket_range(std::uint32_t index) const {
  const auto& g = geometry(config_);
  const auto low = g.value_at_index(index);
  return {g.lowest_equivalent(low), g.highest_equivalent(low)};
}

std::int64_t latency_view::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  const auto target = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (const auto& [index, count] : buckets_) {
    seen += count;
    if (seen >= target) {
      const auto v = bucket_range(index).second;
      // A histogram as received knows its true extremes (out-of-range samples sit clamped in the edge buckets).
      return max_ns_ > 0 ? std::clamp(v, min_ns_, max_ns_) : v;
    }
  }
  return bucket_range(buckets_.back().first).second;
}

int log_bins::bin_of(double ns) {
  if (!(ns > lowest_ns)) return 0;
  const int bin = static_cast<int>(std::floor(std::log10(ns / lowest_ns) * per_decade));
  return std::clamp(bin, 0, count - 1);
}

double log_bins::lower_edge(int bin) { return lowest_ns * std::pow(10.0, static_cast<double>(bin) / per_decade); }
double log_bins::upper_edge(int bin) { return lower_edge(bin + 1); }

log_bins log_bins::from(const latency_view& view) {
  log_bins out;
  auto& g = geometry_of(view.config());
  for (const auto& [index, count] : view.buckets()) {
    auto& cached = g.display_bin[index];
    if (cached < 0) {
      const auto [low, high] = view.bucket_range(index);
      cached = static_cast<std::int16_t>(bin_of(0.5 * (static_cast<double>(low) + static_cast<double>(high))));
    }
    const int bin = cached;
    out.bins[static_cast<std::size_t>(bin)] += count;
    out.total += count;
    if (out.first_used < 0 || bin < out.first_used) out.first_used = bin;
    out.last_used = std::max(out.last_used, bin);
  }
  for (std::size_t i = 0; i < marker_percentiles.size(); ++i) out.markers[i] = view.percentile(marker_percentiles[i]);
  return out;
}

double log_bins::cumulative_percent(int bin) const {
  if (total == 0) return 0;
  std::uint64_t seen = 0;
  for (int i = 0; i <= bin && i < count; ++i) seen += bins[static_cast<std::size_t>(i)];
  return 100.0 * static_cast<double>(seen) / static_cast<double>(total);
}

}  // namespace throng::panel
