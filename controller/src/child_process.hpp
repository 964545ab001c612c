#pragma once
// A local child process (reference server, local agent) with its output in a
// log file. Terminated with SIGTERM, then SIGKILL after a grace period.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace throng::controller {

class child_process {
 public:
  // Starts `program` with `args`; stdout and stderr go to `log_path`.
  // Throws std::runtime_error when it cannot be started.
  child_process(const std::string& program, const std::vector<std::string>& args, const std::string& log_path);
  ~child_process();
  child_process(child_process&& other) noexcept;
  child_process(const child_process&) = delete;

  const std::string& log_path() const noexcept { return log_path_; }
  // Exit status if it has ended (non-blocking).
  std::optional<int> poll();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  // The last lines of its log, for error messages.
  std::string log_tail(std::size_t lines = 10) const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Directory of the running executable: sibling binaries live there.
std::string executable_dir();

}  // namespace throng::controller
