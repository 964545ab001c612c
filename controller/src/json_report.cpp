#include "throng/common/result_file.hpp"
#include "throng/controller/output.hpp"
#include "throng/controller/report.hpp"

namespace throng::controller {

namespace {

// Collects the run and writes the whole report at the end.
class json_report final : public output {
 public:
  explicit json_report(std::string path) : path_(std::move(path)) { report_.environment = environment_json(); }

  void start(const run_info& info) override { report_.info = info; }
  void add(const interval_view& v) override { report_.timeline.push_back(window_json(v)); }
  std::string stop(const run_summary& s) override {
    report_.summary = s;
    return write_result_file(path_, report_json(report_).dump(2) + "\n");
  }

 private:
  std::string path_;
  saved_report report_;
};

}  // namespace

std::unique_ptr<output> make_json_report(std::string path) { return std::make_unique<json_report>(std::move(path)); }

}  // namespace throng::controller
