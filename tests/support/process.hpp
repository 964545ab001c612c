#pragma once
// Running the real binaries from tests: a blocking run with captured output,
// and a background process that is always stopped.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace throng::test {

// Directory holding throng, throng-server and throng-agent.
std::string bin_dir();
// A fresh temporary directory, removed by the caller if it wants.
std::string make_temp_dir();
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// A loopback port that was free a moment ago.
unsigned short free_port();

// GET http://127.0.0.1:port/target; the body, or empty when nothing answered.
std::string http_get(unsigned short port, const std::string& target);

struct command_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv (argv[0] a path) to completion, at most `timeout`.
command_result run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(120));

class background_process {
 public:
  explicit background_process(const std::vector<std::string>& argv, const std::string& log_path = "/dev/null");
  ~background_process();
  background_process(const background_process&) = delete;
  // Sends `signal` and waits for the exit; returns the exit code (128+sig when killed), -1 on timeout.
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  int wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
};

// A throng-server on a free loopback port with its store in `dir` (log in
// dir/server.log and .err), accepting tokens minted with test_token_secret;
// port is 0 when it did not come up. Stopped when destroyed.
struct server_process {
  explicit server_process(const std::string& dir, std::vector<std::string> extra = {});
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port) + "/ws"; }
  // The sum of a per-shard metric from /metrics; -1 when the server does not answer.
  double metric(const std::string& name) const;
  std::unique_ptr<background_process> process;
  unsigned short port = 0;
};

}  // namespace throng::test
