#pragma once
// The exit codes of every Throng binary; scripts and CI rely on them.

namespace throng {

enum exit_code : int {
  exit_ok = 0,               // run passed
  exit_threshold_failed = 1, // a threshold failed
  exit_bad_input = 2,        // bad scenario, flag or configuration
  exit_aborted = 3,          // the run could not complete (agent lost, target unreachable, signal)
};

}  // namespace throng
