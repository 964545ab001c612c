#include "throng/common/histogram.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "stats.pb.h"

namespace throng {

namespace {
std::size_t page_bytes() {
  static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}
}  // namespace

histogram_counts::histogram_counts(std::size_t size) : size_(size) {
  if (!size) return;
  void* p = ::mmap(nullptr, size * sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<std::uint64_t*>(p);  // zero until written
}

histogram_counts::histogram_counts(const histogram_counts& other) : histogram_counts(other.size_) {
  const std::size_t per_page = page_bytes() / sizeof(std::uint64_t);
  for (std::size_t at = 0; at < size_; at += per_page) {
    const std::size_t n = std::min(per_page, size_ - at);
    const auto* from = other.data_ + at;
    if (std::any_of(from, from + n, [](std::uint64_t c) { return c != 0; })) std::memcpy(data_ + at, from, n * sizeof *from);
  }
}

histogram_counts& histogram_counts::operator=(const histogram_counts& other) {
  if (this != &other) *this = histogram_counts(other);
  return *this;
}

histogram_counts::histogram_counts(histogram_counts&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

histogram_counts& histogram_counts::operator=(histogram_counts&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  return *this;
}

histogram_counts::~histogram_counts() {
  if (data_) ::munmap(data_, size_ * sizeof(std::uint64_t));
}

void histogram_counts::clear(std::size_t first, std::size_t last) noexcept {
  if (first < last) std::memset(data_ + first, 0, (last - first) * sizeof(std::uint64_t));
}

histogram::histogram(histogram_config config) : config_(config) {
  if (config_.significant_digits < 1 || config_.significant_digits > 5)
    throw std::invalid_argument("histogram: significant_digits must be 1..5");
  if (config_.lowest_ns < 1 || config_.highest_ns < 2 * config_.lowest_ns)
    throw std::invalid_argument("histogram: need 1 <= lowest_ns and 2*lowest_ns <= highest_ns");

  // Same geometry as HdrHistogram: 2*10^digits values with unit resolution
  // in the first bucket, each further bucket doubling the unit.
  const auto single_unit_range = 2 * static_cast<std::int64_t>(std::pow(10, config_.significant_digits));
  const int sub_bucket_count_magnitude = static_cast<int>(std::ceil(std::log2(static_cast<double>(single_unit_range))));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, 1) - 1;
  // The unit is fine enough that `lowest_ns` itself already has the full
  // precision: 1 us at 3 digits gives a 1 ns unit.
  const double unit = std::max(1.0, static_cast<double>(config_.lowest_ns) / std::pow(10, config_.significant_digits));
  unit_magnitude_ = static_cast<int>(std::floor(std::log2(unit)));
  sub_bucket_count_ = std::int64_t{1} << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = (sub_bucket_count_ - 1) << unit_magnitude_;

  std::int64_t smallest_untrackable = sub_bucket_count_ << unit_magnitude_;
  int buckets = 1;
  while (smallest_untrackable <= config_.highest_ns) {
    if (smallest_untrackable > std::numeric_limits<std::int64_t>::max() / 2) { ++buckets; break; }
    smallest_untrackable <<= 1;
    ++buckets;
  }
  counts_ = histogram_counts(static_cast<std::size_t>((buckets + 1) * sub_bucket_half_count_));
}

int histogram::bucket_index_of(std::int64_t value) const noexcept {
  const int pow2_ceiling = 64 - std::countl_zero(static_cast<std::uint64_t>(value | sub_bucket_mask_));
  return pow2_ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
}

std::size_t histogram::index_of(std::int64_t value) const noexcept {
  const int bucket = bucket_index_of(value);
  const std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  const std::int64_t base = static_cast<std::int64_t>(bucket + 1) << sub_bucket_half_count_magnitude_;
  return static_cast<std::size_t>(base + (sub_bucket - sub_bucket_half_count_));
}

std::int64_t histogram::value_at_index(std::size_t index) const noexcept {
  int bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude_) - 1;
  std::int64_t sub_bucket = static_cast<std::int64_t>(index & static_cast<std::size_t>(sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return sub_bucket << (bucket + unit_magnitude_);
}

std::int64_t histogram::lowest_equivalent(std::int64_t value) const noexcept {
  return value_at_index(index_of(value));
}

std::int64_t histogram::highest_equivalent(std::int64_t value) const noexcept {
  const int bucket = bucket_index_of(value);
  const std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  const int adjusted = bucket + (sub_bucket >= sub_bucket_count_ ? 1 : 0);
  const std::int64_t range = std::int64_t{1} << (unit_magnitude_ + adjusted);
  return lowest_equivalent(value) + range - 1;
}

void histogram::record(std::int64_t value, std::uint64_t count) noexcept {
  if (count == 0) return;
  if (total_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  const double v = static_cast<double>(value);
  sum_ += v * static_cast<double>(count);
  sum_sq_ += v * v * static_cast<double>(count);
  total_ += count;
  std::int64_t clamped = value;
  if (value < 0) {
    underflow_ += count;
    clamped = 0;
  } else if (value > config_.highest_ns) {
    overflow_ += count;
    clamped = config_.highest_ns;
  }
  counts_[index_of(clamped)] += count;
}

std::pair<std::size_t, std::size_t> histogram::used_indices() const noexcept {
  if (total_ == 0) return {0, 0};
  const auto clamp = [this](std::int64_t v) { return std::clamp<std::int64_t>(v, 0, config_.highest_ns); };
  return {index_of(clamp(min_)), index_of(clamp(max_)) + 1};
}

void histogram::merge(const histogram& other) {
  if (!(other.config_ == config_))
    throw std::invalid_argument("histogram: cannot merge histograms of different configurations");
  if (other.total_ == 0) return;
  // Only the buckets between min and max can hold counts: a second's window
  // touches a few hundred of the ~30,000, and the reporter shares the core.
  const auto [first, last] = other.used_indices();
  for (std::size_t i = first; i < last; ++i) counts_[i] += other.counts_[i];
  if (total_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  total_ += other.total_;
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  sum_ += other.sum_;
  sum_sq_ += other.sum_sq_;
}

void histogram::reset() noexcept {
  const auto [first, last] = used_indices();
  counts_.clear(first, last);
  total_ = underflow_ = overflow_ = 0;
  min_ = max_ = 0;
  sum_ = sum_sq_ = 0;
}

double histogram::mean() const noexcept { return total_ ? sum_ / static_cast<double>(total_) : 0.0; }

double histogram::stddev() const noexcept {
  if (total_ < 2) return 0.0;
  const double m = mean();
  const double variance = sum_sq_ / static_cast<double>(total_) - m * m;
  return variance > 0 ? std::sqrt(variance) : 0.0;
}

std::int64_t histogram::percentile(double p) const noexcept {
  if (total_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  const auto target = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_))));
  // Out-of-range values sit clamped in the edge buckets; report them as the
  // true extremes rather than as the clamp value.
  if (target <= underflow_) return min_;
  if (target > total_ - overflow_) return max_;
  std::uint64_t seen = 0;
  const auto [first, last] = used_indices();
  for (std::size_t i = first; i < last; ++i) {
    seen += counts_[i];
    if (seen >= target) {
      const std::int64_t v = highest_equivalent(value_at_index(i));
      return std::clamp(v, min_, max_);
    }
  }
  return max_;
}

void histogram::to_proto(stats::Histogram& out) const {
  out.Clear();
  out.set_significant_digits(static_cast<std::uint32_t>(config_.significant_digits));
  out.set_lowest_ns(config_.lowest_ns);
  out.set_highest_ns(config_.highest_ns);
  std::size_t previous = 0;
  const auto [first, last] = used_indices();
  for (std::size_t i = first; i < last; ++i) {
    if (counts_[i] == 0) continue;
    out.add_index_deltas(static_cast<std::uint32_t>(i - previous));
    out.add_counts(counts_[i]);
    previous = i;
  }
  out.set_underflow(underflow_);
  out.set_overflow(overflow_);
  out.set_min_ns(min());
  out.set_max_ns(max());
  out.set_sum_ns(sum_);
  out.set_sum_sq_ns(sum_sq_);
}

bool histogram::merge_proto(const stats::Histogram& in) {
  const histogram_config wanted{static_cast<int>(in.significant_digits()), in.lowest_ns(), in.highest_ns()};
  if (!(wanted == config_) || in.index_deltas_size() != in.counts_size()) return false;
  // Validate every index before touching anything: a bad report changes nothing.
  std::size_t index = 0;
  std::uint64_t added = 0;
  const auto clamp = [this](std::int64_t v) { return std::clamp<std::int64_t>(v, 0, config_.highest_ns); };
  const std::size_t lowest = index_of(clamp(in.min_ns())), highest = index_of(clamp(in.max_ns()));
  for (int k = 0; k < in.counts_size(); ++k) {
    index += in.index_deltas(k);
    // Counts outside [min, max] would be a lie, and would escape reset().
    if (index >= counts_.size() || (in.counts(k) && (index < lowest || index > highest))) return false;
    added += in.counts(k);
  }
  if (added == 0) return true;
  index = 0;
  for (int k = 0; k < in.counts_size(); ++k) {
    index += in.index_deltas(k);
    counts_[index] += in.counts(k);
  }
  if (total_ == 0) {
    min_ = in.min_ns();
    max_ = in.max_ns();
  } else {
    min_ = std::min(min_, in.min_ns());
    max_ = std::max(max_, in.max_ns());
  }
  total_ += added;
  underflow_ += in.underflow();
  overflow_ += in.overflow();
  sum_ += in.sum_ns();
  sum_sq_ += in.sum_sq_ns();
  return true;
}

bool histogram::from_proto(const stats::Histogram& in) {
  reset();
  return merge_proto(in);
}

}  // namespace throng
