#pragma once
// The agent process: the controller link on the control thread, and the
// workers that run the plan's virtual users. In standalone mode there is no
// link: the plan comes from the command line and reports go to the terminal.

#include <memory>
#include <optional>
#include <vector>

#include "control.pb.h"
#include "run_context.hpp"
#include "throng/agent/agent.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/load_warnings.hpp"
#include "throng/common/run_stats.hpp"
#include "throng/common/ws_channel.hpp"
#include "summary.hpp"
#include "worker.hpp"

namespace throng::agent {

class agent_node {
 public:
  explicit agent_node(agent_config config);
  ~agent_node();
  int run();
  int run_standalone(const control::Plan& plan, int report_fd);

 private:
  void start_common();
  net::awaitable<void> control_session();
  net::awaitable<bool> connect_to_controller();
  net::awaitable<void> ping_loop(std::shared_ptr<ws_channel> link);
  net::awaitable<void> dead_man_switch();
  net::awaitable<void> report_loop();
  void handle(const control::ControllerToAgent& message);
  void on_plan(const control::Plan& plan);
  // Refuses a plan that cannot run here: to the controller, or (standalone) as bad input.
  void refuse_plan(std::string why);
  void on_start(const control::Start& start);
  void on_adjust(const control::Adjust& adjust);
  void apply_adjust(const control::Adjust& adjust);
  void on_stop(const control::Stop& stop);
  void on_user_ready(const std::string& failure);
  bool run_active() const;
  void send(const control::AgentToController& message);
  void send_status(control::AgentState state, std::string detail = {});
  // Swaps every worker's window out and merges it into window_; calls done on the control thread.
  void collect(std::function<void()> done);
  void close_users();
  void shutdown(int exit_code);
  void print_progress(const control::StatsReport& report);
  std::string metrics_text() const;

  agent_config config_;
  net::io_context io_{1};
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<run_stats> spares_;           // one per worker, swapped in each second
  run_stats window_;                         // the window being reported
  run_counters totals_;                      // whole-process totals for /metrics
  std::int64_t window_loop_lag_ns_ = 0;
  std::uint32_t window_connected_users_ = 0;
  std::shared_ptr<ws_channel> link_;
  std::int64_t link_lost_at_ = 0;            // mono_ns when the link dropped mid-run; 0 while linked
  tcp::acceptor metrics_acceptor_{io_};
  clock_offset_estimator clock_;
  std::vector<net::ip::address> source_ips_;
  std::shared_ptr<run_context> run_;
  control::AgentState state_ = control::AGENT_IDLE;
  std::uint64_t ready_users_ = 0, failed_users_ = 0, expected_ready_ = 0;
  std::int64_t connects_began_ns_ = 0;  // mono_ns when the plan's initial users began to connect
  std::uint64_t storms_ = 0;
  std::string first_failure_;
  std::optional<net::steady_timer> report_timer_;
  std::int64_t stop_at_ns_ = 0;  // a Stop shortened the run: final report at this local time
  bool shutting_down_ = false;
  int exit_code_ = 0;

  // Standalone mode.
  bool standalone_ = false;
  int report_fd_ = -1;
  run_stats standalone_total_;
  agent_load standalone_load_;  // the busiest window of a standalone run
  std::optional<connect_phase> connect_phase_;  // how the initial users' connects went, once all are done
};

}  // namespace throng::agent
