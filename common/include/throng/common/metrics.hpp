#pragma once
// Prometheus metrics without contention: each counter has exactly one writer
// thread (its shard or worker) and is read by the scraper. The increment is a
// plain load/add/store, no lock prefix; the scraper sums per-thread values.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace prometheus { struct MetricFamily; }

namespace throng {

class local_counter {
 public:
  // Only the owning thread may call add().
  void add(std::uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::uint64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// Durations in 1-2-5 buckets from 1 µs to 20 s, for Prometheus histograms of
// where time goes; round bounds (1 ms, 2 ms, 10 ms) make a target a bucket.
// Same single-writer rule as local_counter.
class local_duration_histogram {
 public:
  static constexpr int buckets = 23;  // upper bounds 1, 2, 5, 10, 20, 50 µs ... 10, 20 s
  void observe(std::int64_t ns) noexcept;
  std::uint64_t count(int bucket) const noexcept { return counts_[bucket].get(); }
  std::uint64_t total() const noexcept { return total_.get(); }
  std::uint64_t sum_ns() const noexcept { return sum_ns_.get(); }
  static std::uint64_t upper_bound_ns(int bucket) noexcept;
  static double upper_bound_s(int bucket) noexcept { return 1e-9 * static_cast<double>(upper_bound_ns(bucket)); }

 private:
  local_counter counts_[buckets + 1];  // the last one is +Inf
  local_counter total_;
  local_counter sum_ns_;
};

enum class metric_kind { counter, gauge, histogram };

struct metric_value {
  std::string name;  // e.g. "throng_server_messages_total"
  std::string help;
  metric_kind kind = metric_kind::counter;
  double value = 0;
  std::vector<std::pair<std::string, std::string>> labels;
  // kind == histogram: summed over its sources (e.g. shards).
  std::vector<const local_duration_histogram*> histograms;
};

// Groups values by name into families and renders the text exposition format.
std::string prometheus_text(const std::vector<metric_value>& values);

// The standard process metrics (process_cpu_seconds_total, process_resident_memory_bytes).
void append_process_metrics(std::vector<metric_value>& values);

}  // namespace throng
