#pragma once
// Log-linear latency histogram in the style of HdrHistogram: values are kept
// with a fixed number of significant decimal digits over [lowest, highest].
// Mergeable by adding bucket counts; serialised sparsely to stats.proto.
//
// Not thread-safe by design: each worker owns its histograms and hands them
// to the reporter once per interval (no atomics on the record path).

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace throng::stats { class Histogram; }

namespace throng {

// A histogram's counters: anonymous memory whose pages the kernel maps on
// first write, so a histogram costs the pages its values touched, not its
// whole range (about 270 KB at the defaults; an agent holds dozens of them).
class histogram_counts {
 public:
  histogram_counts() = default;
  explicit histogram_counts(std::size_t size);
  // A copy writes only the source's pages that hold a count.
  histogram_counts(const histogram_counts& other);
  histogram_counts& operator=(const histogram_counts& other);
  histogram_counts(histogram_counts&& other) noexcept;
  histogram_counts& operator=(histogram_counts&& other) noexcept;
  ~histogram_counts();

  std::uint64_t& operator[](std::size_t i) noexcept { return data_[i]; }
  std::uint64_t operator[](std::size_t i) const noexcept { return data_[i]; }
  std::size_t size() const noexcept { return size_; }
  void clear(std::size_t first, std::size_t last) noexcept;

 private:
  std::uint64_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Values in [lowest_ns, highest_ns] keep `significant_digits` of precision:
// the relative error of any reported value is below 10^-digits.
struct histogram_config {
  int significant_digits = 3;
  std::int64_t lowest_ns = 1'000;                // 1 us
  std::int64_t highest_ns = 3'600'000'000'000;   // 1 h
  bool operator==(const histogram_config&) const = default;
};

class histogram {
 public:
  explicit histogram(histogram_config config = {});

  // Values below zero count as underflow and values above highest_ns as
  // overflow; both still count (clamped) so percentiles never lose them.
  void record(std::int64_t value_ns, std::uint64_t count = 1) noexcept;

  // Adds every count of `other`; throws std::invalid_argument when the
  // configurations differ.
  void merge(const histogram& other);
  void reset() noexcept;

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t underflow() const noexcept { return underflow_; }
  std::uint64_t overflow() const noexcept { return overflow_; }
  std::int64_t min() const noexcept { return total_ ? min_ : 0; }
  std::int64_t max() const noexcept { return total_ ? max_ : 0; }
  double mean() const noexcept;
  double stddev() const noexcept;
  // p in [0, 100]; returns the highest value equivalent to the p-th
  // percentile sample, clamped to [min, max]. 0 when empty.
  std::int64_t percentile(double p) const noexcept;

  const histogram_config& config() const noexcept { return config_; }

  // Bucket geometry, for plotting and tests.
  std::size_t bucket_count() const noexcept { return counts_.size(); }
  std::uint64_t count_at_index(std::size_t i) const noexcept { return counts_[i]; }
  std::int64_t lowest_equivalent(std::int64_t value) const noexcept;
  std::int64_t highest_equivalent(std::int64_t value) const noexcept;
  std::int64_t value_at_index(std::size_t i) const noexcept;

  void to_proto(stats::Histogram& out) const;
  // Adds a serialised histogram in place (no temporary histogram). Returns
  // false, changing nothing, when its configuration or indices do not fit.
  bool merge_proto(const stats::Histogram& in);
  // Replaces the contents with a decoded histogram; false leaves *this empty.
  bool from_proto(const stats::Histogram& in);

 private:
  std::size_t index_of(std::int64_t value) const noexcept;
  // [first, last) of the buckets that can be non-zero: those of min to max.
  std::pair<std::size_t, std::size_t> used_indices() const noexcept;
  int bucket_index_of(std::int64_t value) const noexcept;

  histogram_config config_;
  int unit_magnitude_ = 0;
  int sub_bucket_half_count_magnitude_ = 0;
  std::int64_t sub_bucket_count_ = 0;
  std::int64_t sub_bucket_half_count_ = 0;
  std::int64_t sub_bucket_mask_ = 0;
  histogram_counts counts_;
  std::uint64_t total_ = 0;
  std::uint64_t underflow_ = 0;
  std::uint64_t overflow_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
  double sum_sq_ = 0;
};

}  // namespace throng
