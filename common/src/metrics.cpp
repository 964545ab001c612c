#include "throng/common/metrics.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <map>

namespace throng {

std::string prometheus_text(const std::vector<metric_value>& values) {
  std::vector<prometheus::MetricFamily> families;
  std::map<std::string, std::size_t> index;
  for (const auto& v : values) {
    auto [it, inserted] = index.try_emplace(v.name, families.size());
    if (inserted) {
      prometheus::MetricFamily family;
      family.name = v.name;
      family.help = v.help;
      family.type = v.kind == metric_kind::counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
      families.push_back(std::move(family));
    }
    prometheus::ClientMetric metric;
    for (const auto& [k, val] : v.labels) metric.label.push_back({k, val});
    if (v.kind == metric_kind::counter) metric.counter.value = v.value;
    else metric.gauge.value = v.value;
    families[it->second].metric.push_back(std::move(metric));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace throng
