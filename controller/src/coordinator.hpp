#pragma once
// Runs one scenario: the agent listener, local processes, plans, the start
// instant, live aggregation and the summary. Single-threaded: everything
// happens on the controller's io_context.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent_link.hpp"
#include "child_process.hpp"
#include "throng/common/net.hpp"
#include "throng/controller/aggregator.hpp"
#include "throng/controller/output.hpp"
#include "throng/controller/run.hpp"

namespace throng::controller {

// Accepts a WebSocket whose request carries `Authorization: Bearer <token>`;
// otherwise answers 401 with `refusal` (what to do) and returns nullptr. The
// agent and operator ports both gate their peers this way.
net::awaitable<std::shared_ptr<ws_channel>> accept_with_token(beast::tcp_stream stream, const http_request& request,
                                                              const std::string& token, const char* refusal,
                                                              std::size_t max_message_bytes);

class coordinator {
 public:
  // Without a scenario (`throng serve`), the run waits for an operator to start one.
  coordinator(std::optional<scenario> s, run_options options);
  int run();

 private:
  // Steps of the run, in order; each returns false after recording a problem.
  net::awaitable<int> run_flow();
  net::awaitable<bool> start_local_processes();
  net::awaitable<bool> wait_for_agents(std::size_t count);
  net::awaitable<bool> send_plans();
  net::awaitable<bool> wait_until_ready();
  net::awaitable<void> run_until_done();

  // Waits until notify() or the deadline; false when the deadline passed.
  net::awaitable<bool> wait_for_change(std::int64_t deadline_ns);
  void notify();

  net::awaitable<void> serve_agent(beast::tcp_stream stream, http_request request);
  // The operator port (operator_feed.cpp): panels see a snapshot each second and send commands.
  void open_operator_port();
  net::awaitable<void> serve_operator(beast::tcp_stream stream, http_request request);
  void on_operator_command(const control::OperatorCommand& command, ws_channel& from);
  void publish_snapshot(const interval_view* last_window);
  std::string phase() const;
  void set_scenario(scenario s);
  void on_agent_message(const std::shared_ptr<agent_link>& agent, const control::AgentToController& message,
                        std::int64_t received_ns);
  void emit(std::vector<interval_view> windows);
  // Thresholds on the cumulative results so far; aborts the run when one
  // with abort_on_fail fails, or an agent is saturated beyond max_agent_cpu.
  void evaluate_live(interval_view& window);
  std::vector<threshold_result> evaluate_thresholds(double elapsed_s) const;
  void send_start_and_events(std::int64_t start_at);
  void abort_run(const std::string& why, int exit_code);
  void send_to(agent_link& agent, const control::ControllerToAgent& message);
  void broadcast_stop(const std::string& reason, std::int64_t drain_ns);
  bool local_process_died();
  std::vector<agent_info> agent_infos() const;
  std::string metrics_text() const;
  unsigned local_agent_count() const;

  scenario scenario_;
  bool scenario_loaded_ = false;
  run_options options_;
  net::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  tcp::acceptor operator_acceptor_{io_};
  std::vector<std::shared_ptr<ws_channel>> operators_;
  net::steady_timer changed_{io_};
  std::map<std::string, std::shared_ptr<agent_link>> agents_;
  std::vector<std::shared_ptr<agent_link>> run_agents_;
  std::optional<aggregator> aggregator_;
  std::vector<std::unique_ptr<output>> outputs_;
  std::optional<child_process> server_process_;
  std::vector<child_process> agent_processes_;
  std::vector<std::string> problems_;
  std::string created_work_dir_;  // a temporary log directory we made: removed after a clean run
  std::vector<std::string> target_urls_;
  std::string target_url_;  // for people: the targets, space-separated
  std::string run_id_;
  bool running_ = false;  // between Start and the last report
  std::int64_t started_at_ = 0;
  bool interrupted_ = false;
  bool stop_sent_ = false;
  bool degraded_ = false;            // an agent left and on_agent_loss is degrade
  int abort_code_ = 0;               // set when the run was cut short: exit_threshold_failed or exit_aborted
  std::vector<std::string> warnings_;
  std::vector<threshold_result> live_thresholds_;
  std::uint32_t last_active_users_ = 0;
  double rate_multiplier_ = 1;       // as an operator last set it
  int exit_code_ = 0;
};

}  // namespace throng::controller
