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

enum class metric_kind { counter, gauge };

struct metric_value {
  std::string name;  // e.g. "throng_server_messages_total"
  std::string help;
  metric_kind kind = metric_kind::counter;
  double value = 0;
  std::vector<std::pair<std::string, std::string>> labels;
};

// Groups values by name into families and renders the text exposition format.
std::string prometheus_text(const std::vector<metric_value>& values);

}  // namespace throng
