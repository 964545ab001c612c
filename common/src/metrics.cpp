#include "throng/common/metrics.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <limits>
#include <map>

namespace throng {

namespace {
constexpr auto duration_bounds_ns = [] {
  std::array<std::uint64_t, local_duration_histogram::buckets> bounds{};
  std::uint64_t decade = 1000;  // 1 µs
  for (int b = 0; b < local_duration_histogram::buckets; ++b) {
    bounds[b] = (b % 3 == 0 ? 1 : b % 3 == 1 ? 2 : 5) * decade;
    if (b % 3 == 2) decade *= 10;
  }
  return bounds;
}();
}  // namespace

std::uint64_t local_duration_histogram::upper_bound_ns(int bucket) noexcept { return duration_bounds_ns[bucket]; }

void local_duration_histogram::observe(std::int64_t ns) noexcept {
  const auto v = static_cast<std::uint64_t>(ns < 0 ? 0 : ns);
  int b = 0;
  while (b < buckets && v > duration_bounds_ns[b]) ++b;
  counts_[b].add();
  total_.add();
  sum_ns_.add(v);
}

namespace {
prometheus::MetricType family_type(metric_kind kind) {
  switch (kind) {
    case metric_kind::counter: return prometheus::MetricType::Counter;
    case metric_kind::gauge: return prometheus::MetricType::Gauge;
    case metric_kind::histogram: return prometheus::MetricType::Histogram;
  }
  return prometheus::MetricType::Untyped;
}

void fill_histogram(prometheus::ClientMetric& metric, const std::vector<const local_duration_histogram*>& sources) {
  std::uint64_t cumulative = 0, total = 0, sum_ns = 0;
  for (const auto* h : sources) {
    total += h->total();
    sum_ns += h->sum_ns();
  }
  for (int b = 0; b <= local_duration_histogram::buckets; ++b) {
    for (const auto* h : sources) cumulative += h->count(b);
    prometheus::ClientMetric::Bucket bucket;
    bucket.cumulative_count = b == local_duration_histogram::buckets ? total : cumulative;
    bucket.upper_bound = b == local_duration_histogram::buckets ? std::numeric_limits<double>::infinity()
                                                                : local_duration_histogram::upper_bound_s(b);
    metric.histogram.bucket.push_back(bucket);
  }
  metric.histogram.sample_count = total;
  metric.histogram.sample_sum = static_cast<double>(sum_ns) * 1e-9;
}
}  // namespace

std::string prometheus_text(const std::vector<metric_value>& values) {
  std::vector<prometheus::MetricFamily> families;
  std::map<std::string, std::size_t> index;
  for (const auto& v : values) {
    auto [it, inserted] = index.try_emplace(v.name, families.size());
    if (inserted) {
      prometheus::MetricFamily family;
      family.name = v.name;
      family.help = v.help;
      family.type = family_type(v.kind);
      families.push_back(std::move(family));
    }
    prometheus::ClientMetric metric;
    for (const auto& [k, val] : v.labels) metric.label.push_back({k, val});
    if (v.kind == metric_kind::counter) metric.counter.value = v.value;
    else if (v.kind == metric_kind::gauge) metric.gauge.value = v.value;
    else fill_histogram(metric, v.histograms);
    families[it->second].metric.push_back(std::move(metric));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace throng

namespace throng {

void append_process_metrics(std::vector<metric_value>& values) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  values.push_back({"process_cpu_seconds_total", "user and system CPU time spent", metric_kind::counter, cpu, {}, {}});
  long pages = 0, resident = 0;
  std::ifstream("/proc/self/statm") >> pages >> resident;
  values.push_back({"process_resident_memory_bytes", "resident memory size", metric_kind::gauge,
                    static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)), {}, {}});
}

}  // namespace throng
