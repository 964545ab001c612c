// JUnit XML for CI systems: one test case per threshold, and one for the run
// itself (failing when it was aborted), so a pipeline shows what failed.

#include <fmt/format.h>

#include "throng/common/result_file.hpp"
#include "throng/controller/output.hpp"

namespace throng::controller {

namespace {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

class junit_report final : public output {
 public:
  explicit junit_report(std::string path) : path_(std::move(path)) {}
  void start(const run_info& info) override { name_ = info.scenario_name; }
  std::string stop(const run_summary& s) override {
    std::size_t failures = s.completed ? 0 : 1;
    for (const auto& t : s.thresholds) failures += t.passed ? 0 : 1;
    const double seconds = static_cast<double>(s.elapsed_ns) / 1e9;
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += fmt::format("<testsuites name=\"throng\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                       s.thresholds.size() + 1, failures, seconds);
    xml += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", xml_escape(name_),
                       s.thresholds.size() + 1, failures, seconds);
    xml += fmt::format("    <testcase classname=\"{}\" name=\"run completed\" time=\"{:.3f}\">", xml_escape(name_), seconds);
    if (!s.completed) {
      std::string why;
      for (const auto& p : s.problems) why += p + "\n";
      xml += fmt::format("\n      <failure message=\"run aborted\">{}</failure>\n    ", xml_escape(why));
    }
    xml += "</testcase>\n";
    for (const auto& t : s.thresholds) {
      xml += fmt::format("    <testcase classname=\"{}.thresholds\" name=\"{}\">", xml_escape(name_), xml_escape(t.spec.name()));
      if (!t.passed)
        xml += fmt::format("\n      <failure message=\"{}\">{} was {}</failure>\n    ",
                           xml_escape(t.spec.name() + " failed"), xml_escape(t.spec.metric), xml_escape(t.shown));
      xml += "</testcase>\n";
    }
    xml += "  </testsuite>\n</testsuites>\n";
    return write_result_file(path_, xml);
  }

 private:
  std::string path_, name_;
};

}  // namespace

std::unique_ptr<output> make_junit_report(std::string path) { return std::make_unique<junit_report>(std::move(path)); }

}  // namespace throng::controller
