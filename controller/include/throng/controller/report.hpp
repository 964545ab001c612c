#pragma once
// The JSON report: everything a run produced, in a form that reads back.
// `throng report` re-renders a saved one through the same outputs, and
// `throng compare` sets two side by side.

#include <nlohmann/json.hpp>
#include <string>

#include "throng/controller/output.hpp"

namespace throng::controller {

struct saved_report {
  run_info info;
  nlohmann::json timeline = nlohmann::json::array();  // per second: counters and latency percentiles
  run_summary summary;
  nlohmann::json environment;                         // host, cores, version
};

nlohmann::json report_json(const saved_report& report);
// Throws std::runtime_error saying what is missing or malformed.
saved_report report_from_json(const nlohmann::json& doc);
saved_report load_report(const std::string& path);

// One timeline entry, as stored in the report.
nlohmann::json window_json(const interval_view& v);
// The host the controller runs on, for the report.
nlohmann::json environment_json();

// A histogram as [[value_ns, count], ...] buckets plus its exact min and max,
// and back: percentiles come out as they went in.
nlohmann::json histogram_json(const histogram& h);
void histogram_from_json(const nlohmann::json& j, histogram& out);

}  // namespace throng::controller
