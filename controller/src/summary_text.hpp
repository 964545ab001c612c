#pragma once
// Pieces of the end-of-run summary the console and Markdown outputs share.

#include <string>
#include <vector>

#include "throng/controller/output.hpp"

namespace throng::controller {

// PASS, FAIL or ABORTED, from the exit code.
const char* verdict_word(int exit_code);

// One row per tag value (scenario, group, region): the figures people compare.
struct tag_row {
  std::string key, value;
  std::string users, sent, delivered, lost, errors, e2e_p95, e2e_p99;
};
std::vector<tag_row> tag_rows(const run_summary& s);

}  // namespace throng::controller
