#include "process.hpp"

#include "ws_test_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "throng/common/net.hpp"

namespace throng::test {

std::string bin_dir() { return THRONG_BIN_DIR; }

std::string make_temp_dir() {
  char tmpl[] = "/tmp/throng-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

unsigned short free_port() {
  net::io_context io;
  tcp::acceptor a(io, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::string http_get(unsigned short port, const std::string& target) {
  return http_call(port, http::verb::get, target).body;
}

namespace {
pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path) {
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int decode_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw); }
}  // namespace

command_result run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  const auto dir = make_temp_dir();
  command_result result;
  background_process p(argv, dir + "/out");  // stdout to out, stderr to out.err
  result.exit_code = p.wait(std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  if (result.exit_code == -1) result.exit_code = p.stop(SIGKILL);
  result.out = read_file(dir + "/out");
  result.err = read_file(dir + "/out.err");
  std::filesystem::remove_all(dir);
  return result;
}

background_process::background_process(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_ = spawn(argv, log_path, log_path == "/dev/null" ? log_path : log_path + ".err");
}

background_process::~background_process() {
  if (!reaped_) stop(SIGKILL);
}

int background_process::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int raw = 0;
    if (waitpid(pid_, &raw, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = decode_status(raw);
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

int background_process::stop(int signal, std::chrono::milliseconds timeout) {
  if (reaped_) return status_;
  kill(pid_, signal);
  const int code = wait(timeout);
  if (code != -1) return code;
  kill(pid_, SIGKILL);
  int raw = 0;
  waitpid(pid_, &raw, 0);
  reaped_ = true;
  status_ = -1;
  return -1;
}

server_process::server_process(const std::string& dir, std::vector<std::string> extra) {
  const std::string port_file = dir + "/port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv = {bin_dir() + "/throng-server", "--port", "0", "--port-file", port_file, "--threads", "2",
                                   "--store-path", dir + "/chat.db", "--test-token-secret", test_token_secret};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process = std::make_unique<background_process>(argv, dir + "/server.log");
  for (int i = 0; i < 250 && !std::filesystem::exists(port_file); ++i) usleep(20'000);
  port = static_cast<unsigned short>(std::atoi(read_file(port_file).c_str()));
}

double server_process::metric(const std::string& name) const {
  const std::string text = http_get(port, "/metrics");
  if (text.empty()) return -1;
  double sum = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, name.size(), name) != 0 || line.size() == name.size()) continue;
    if (line[name.size()] != '{' && line[name.size()] != ' ') continue;  // another metric with this prefix
    sum += std::atof(line.substr(line.rfind(' ') + 1).c_str());
  }
  return sum;
}

}  // namespace throng::test
