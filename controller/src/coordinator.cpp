#include "coordinator.hpp"

#include "throng/common/token.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <fstream>
#include <random>

#include "throng/common/clock.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/fd_limit.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"
#include "throng/common/metrics.hpp"
#include "throng/common/url.hpp"
#include "throng/controller/run_warnings.hpp"

namespace throng::controller {

namespace {
constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string random_hex(std::size_t bytes) {
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", rd() & 0xff);
  return out;
}
}  // namespace

coordinator::coordinator(std::optional<scenario> sc, run_options options) : options_(std::move(options)) {
  if (options_.remote_agents == 0 && options_.agent_token.empty()) options_.agent_token = random_hex(16);
  if (options_.bin_dir.empty()) options_.bin_dir = executable_dir();
  if (!options_.report_path.empty()) outputs_.push_back(make_json_report(options_.report_path));
  if (!options_.junit_path.empty()) outputs_.push_back(make_junit_report(options_.junit_path));
  if (!options_.markdown_path.empty()) outputs_.push_back(make_markdown_summary(options_.markdown_path));
  // Last: its summary says which files could not be written, with the exit code that follows.
  outputs_.push_back(make_console_output(stdout));
  if (sc) set_scenario(std::move(*sc));
}

void coordinator::set_scenario(scenario sc) {
  scenario_ = std::move(sc);
  scenario_loaded_ = true;
  run_id_ = scenario_.name + "-" + random_hex(4);
  // A spawned server trusts tokens minted with a secret of this run only.
  if (scenario_.spawn_server && scenario_.test_token_secret.empty()) scenario_.test_token_secret = random_secret();
}

int coordinator::run() {
  raise_open_file_limit();  // one socket per agent: thousands of them
  try {
    open_acceptor(acceptor_, options_.listen_host, options_.agent_port);
  } catch (const std::system_error& e) {
    log_error("agent listener: {}; check --listen and --agent-port", e.what());
    return exit_bad_input;
  }
  auto handlers = std::make_shared<http_handlers>();
  handlers->on_request = [this](const http_request& req) {
    if (req.target() == "/metrics") return metrics_response(req, metrics_text());
    return text_response(req, http::status::not_found, "agents connect to the WebSocket /agents\n");
  };
  handlers->accepts_upgrade = [](const http_request& req) { return req.target() == "/agents"; };
  handlers->on_upgrade = [this](beast::tcp_stream stream, http_request req) {
    return serve_agent(std::move(stream), std::move(req));
  };
  net::co_spawn(io_, accept_loop(acceptor_, handlers),
                log_exceptions{"agent listener"});
  if (options_.operator_port) {
    try {
      open_operator_port();
    } catch (const std::system_error& e) {
      log_error("operator listener: {}; check --listen and --operator-port", e.what());
      return exit_bad_input;
    }
  }

  net::signal_set signals(io_, SIGINT, SIGTERM);
  std::function<void(error_code, int)> on_signal = [&](error_code ec, int) {
    if (ec) return;
    if (interrupted_) {
      log_warn("second interrupt: leaving now");
      io_.stop();
      return;
    }
    interrupted_ = true;
    log_warn("interrupted: stopping the run and writing what was measured (Ctrl-C again to quit at once)");
    notify();
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  int code = exit_aborted;
  net::co_spawn(io_, run_flow(), [&](std::exception_ptr e, int result) {
    if (e) {
      log_exceptions{"run"}(e);
      code = exit_aborted;
    } else {
      code = result;
    }
    for (auto& [id, agent] : agents_) agent->channel->close(websocket::close_code::normal, "run over");
    publish_snapshot(nullptr);
    for (auto& o : operators_) o->close(websocket::close_code::normal, "run over");
    error_code ignored;
    acceptor_.close(ignored);
    operator_acceptor_.close(ignored);
    signals.cancel();
    // Let the close frames go out, then stop.
    auto timer = std::make_shared<net::steady_timer>(io_, std::chrono::milliseconds(200));
    timer->async_wait([this, timer](error_code) { io_.stop(); });
  });
  io_.run();
  // Local agents leave by themselves once their link closes; give them a moment before SIGTERM.
  const auto patience = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < patience &&
         std::any_of(agent_processes_.begin(), agent_processes_.end(), [](auto& p) { return !p.poll(); }))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& p : agent_processes_) p.stop();
  if (server_process_) server_process_->stop();
  if (!created_work_dir_.empty()) {
    std::error_code ignored;
    if (code == exit_ok) std::filesystem::remove_all(created_work_dir_, ignored);
    else log_info("logs of the local processes are in {}", created_work_dir_);
  }
  return code;
}

void coordinator::notify() { changed_.cancel(); }

net::awaitable<bool> coordinator::wait_for_change(std::int64_t deadline_ns) {
  if (mono_ns() >= deadline_ns) co_return false;
  changed_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns)));
  auto [ec] = co_await changed_.async_wait(use_nothrow);
  co_return mono_ns() < deadline_ns || ec == net::error::operation_aborted;
}

net::awaitable<int> coordinator::run_flow() {
  // `throng serve`: an operator chooses the scenario.
  while (!scenario_loaded_) {
    if (interrupted_) co_return exit_aborted;
    co_await wait_for_change(mono_ns() + 1 * s);
  }
  const std::int64_t t0 = mono_ns();
  if (options_.remote_agents == 0) {
    if (!co_await start_local_processes()) co_return exit_aborted;
  } else {
    if (scenario_.spawn_server) {
      if (!co_await start_local_processes()) co_return exit_aborted;
    } else {
      target_urls_ = scenario_.target_urls;
    }
    log_info("waiting for {} agent(s) on ws://{}:{}/agents", options_.remote_agents, options_.listen_host,
             acceptor_.local_endpoint().port());
  }
  const std::size_t wanted = options_.remote_agents ? options_.remote_agents : local_agent_count();
  target_url_ = target_urls_.front();
  for (std::size_t i = 1; i < target_urls_.size(); ++i) target_url_ += " " + target_urls_[i];
  if (!co_await wait_for_agents(wanted)) co_return exit_aborted;
  if (!co_await send_plans()) co_return exit_bad_input;
  log_info("connecting {} users through {} agent(s) to {}", scenario_.total_users(), run_agents_.size(), target_url_);
  if (!co_await wait_until_ready()) {
    broadcast_stop("run aborted before start", 0);
    co_return exit_aborted;
  }
  co_await run_until_done();

  run_summary summary;
  summary.total = aggregator_->total();
  summary.tags = aggregator_->tags();
  summary.elapsed_ns = started_at_ ? mono_ns() - started_at_ : mono_ns() - t0;
  summary.problems = problems_;
  summary.warnings = warnings_;
  summary.degraded = degraded_;
  summary.completed = abort_code_ == 0;
  summary.max_loop_lag_ms = aggregator_->max_loop_lag_ms();
  summary.max_agent_cpu_percent = aggregator_->max_cpu_percent();
  for (auto& w : run_warnings(summary)) summary.warnings.push_back(std::move(w));
  summary.agents = agent_infos();
  for (const auto& a : summary.agents) summary.max_clock_error_ns = std::max(summary.max_clock_error_ns, a.clock_error_ns);
  // The verdict: thresholds on the whole run (the time base of per_s is the sending time).
  const double sending_s = std::max(1.0, std::min(static_cast<double>(summary.elapsed_ns), static_cast<double>(scenario_.end_ns())) / 1e9);
  summary.thresholds = evaluate_thresholds(sending_s);
  const bool thresholds_passed =
      std::all_of(summary.thresholds.begin(), summary.thresholds.end(), [](const auto& r) { return r.passed; });
  summary.exit_code = abort_code_ == exit_aborted ? exit_aborted
                      : abort_code_ == exit_threshold_failed || !thresholds_passed ? exit_threshold_failed
                                                                                  : exit_ok;
  for (auto& o : outputs_) {
    // Results that were measured but not delivered: CI must not read a pass.
    if (auto failed = o->stop(summary); !failed.empty()) {
      log_error("{}", failed);
      summary.problems.push_back(std::move(failed));
      summary.exit_code = exit_aborted;
    }
  }
  co_return summary.exit_code;
}

net::awaitable<bool> coordinator::start_local_processes() {
  std::string work = options_.work_dir;
  if (work.empty()) {
    char tmpl[] = "/tmp/throng-run-XXXXXX";
    if (!mkdtemp(tmpl)) {
      problems_.push_back("cannot create a temporary directory for logs");
      co_return false;
    }
    work = tmpl;
    created_work_dir_ = work;
  }
  std::filesystem::create_directories(work);
  const auto binary = [&](const char* name) { return (std::filesystem::path(options_.bin_dir) / name).string(); };

  if (scenario_.spawn_server) {
    const std::string port_file = work + "/server.port";
    std::filesystem::remove(port_file);
    std::vector<std::string> config;
    if (!scenario_.server_config.empty()) config = {"--config", scenario_.server_config};
    server_process_.emplace(binary("throng-server"),
                            concat(config, std::vector<std::string>{"--host", "127.0.0.1", "--port", "0", "--port-file", port_file,
                                                     "--threads", std::to_string(scenario_.server_threads),
                                                     "--store", scenario_.server_store, "--store-path", work + "/server.db",
                                                     "--test-token-secret", scenario_.test_token_secret}),
                            work + "/server.log");
    const std::int64_t deadline = mono_ns() + 10 * s;
    net::steady_timer poll(io_);
    while (!std::filesystem::exists(port_file)) {
      if (server_process_->poll() || mono_ns() > deadline) {
        problems_.push_back("the reference server did not start; its log " + server_process_->log_path() + " ends:\n" +
                            server_process_->log_tail());
        log_error("{}", problems_.back());
        co_return false;
      }
      poll.expires_after(std::chrono::milliseconds(20));
      co_await poll.async_wait(use_nothrow);
    }
    std::ifstream in(port_file);
    unsigned port = 0;
    in >> port;
    target_urls_ = {fmt::format("ws://127.0.0.1:{}/ws", port)};
  } else {
    target_urls_ = scenario_.target_urls;
  }

  if (options_.remote_agents == 0) {
    const auto controller_url = fmt::format("ws://127.0.0.1:{}/agents", acceptor_.local_endpoint().port());
    // Each local agent is one process; it offers to carry any group (its
    // open-file limit caps the offer).
    const auto capacity = std::max<std::uint64_t>(1, std::min<std::uint64_t>(scenario_.total_users(), 1'000'000));
    for (unsigned i = 0; i < local_agent_count(); ++i) {
      const auto id = fmt::format("local-{}", i + 1);
      agent_processes_.emplace_back(binary("throng-agent"),
                                    std::vector<std::string>{"--controller", controller_url, "--token",
                                                             options_.agent_token, "--id", id, "--threads", "1",
                                                             "--region", "local", "--processes", "1", "--capacity",
                                                             std::to_string(capacity)},
                                    fmt::format("{}/agent-{}.log", work, i + 1));
    }
  }
  co_return true;
}

bool coordinator::local_process_died() {
  for (auto& p : agent_processes_) {
    if (auto status = p.poll()) {
      problems_.push_back(fmt::format("local agent exited with status {}; its log {} ends:\n{}", *status, p.log_path(),
                                      p.log_tail()));
      return true;
    }
  }
  if (server_process_) {
    if (auto status = server_process_->poll()) {
      problems_.push_back(fmt::format("the reference server exited with status {}; its log {} ends:\n{}", *status,
                                      server_process_->log_path(), server_process_->log_tail()));
      return true;
    }
  }
  return false;
}

net::awaitable<bool> coordinator::wait_for_agents(std::size_t count) {
  const std::int64_t deadline = mono_ns() + static_cast<std::int64_t>(options_.agent_wait_s * 1e9);
  for (;;) {
    std::size_t ready = 0;
    for (const auto& [id, a] : agents_) ready += a->connected ? 1 : 0;
    // Named agents: every one of them (others may join too).
    std::vector<std::string> missing;
    for (const auto& id : options_.expected_agents)
      if (auto it = agents_.find(id); it == agents_.end() || !it->second->connected) missing.push_back(id);
    if (ready >= count && missing.empty()) break;
    if (interrupted_ || local_process_died()) co_return false;
    const std::int64_t step = std::min(deadline, mono_ns() + 100 * ms);
    if (!co_await wait_for_change(step) && mono_ns() >= deadline) {
      std::string who;
      for (const auto& [id, a] : agents_) who += (who.empty() ? "" : ", ") + id;
      std::string absent;
      for (const auto& id : missing) absent += (absent.empty() ? "" : ", ") + id;
      problems_.push_back(fmt::format("only {} of {} agents connected within {:.0f}s (connected: {}{}); start more agents "
                                      "with --controller ws://<this host>:{}/agents, or lower --agents",
                                      ready, std::max(count, options_.expected_agents.size()), options_.agent_wait_s,
                                      who.empty() ? "none" : who, absent.empty() ? "" : "; missing: " + absent,
                                      acceptor_.local_endpoint().port()));
      log_error("{}", problems_.back());
      co_return false;
    }
  }
  // Let the agents' clock pings settle before the plan.
  net::steady_timer settle(io_, std::chrono::milliseconds(250));
  co_await settle.async_wait(use_nothrow);
  co_return true;
}

net::awaitable<bool> coordinator::send_plans() {
  std::vector<std::uint32_t> capacities;
  for (const auto& [id, a] : agents_) {
    if (!a->connected) continue;
    run_agents_.push_back(a);
    capacities.push_back(a->hello.capacity_users());
  }
  const auto& groups = scenario_.groups;
  if (run_agents_.size() < groups.size()) {
    problems_.push_back(fmt::format("the scenario has {} user groups and each agent carries one, but {} agent(s) "
                                    "connected: {}", groups.size(), run_agents_.size(),
                                    options_.remote_agents ? fmt::format("use --agents {} or more", groups.size())
                                                           : fmt::format("set agents: {} or more", groups.size())));
    log_error("{}", problems_.back());
    co_return false;
  }
  const auto owner = assign_groups(groups, capacities);
  // register + login goes to the target's own API unless the scenario names one.
  std::string auth_url = scenario_.auth_url;
  if (const auto url = parse_ws_url(target_urls_.front()); auth_url.empty() && url)
    auth_url = fmt::format("http://{}:{}", url->host, url->port);
  // One plan per group (all its slots); each agent gets its share of it.
  std::vector<control::Plan> group_plans;
  for (std::size_t g = 0; g < groups.size(); ++g)
    group_plans.push_back(make_plan(scenario_, groups[g],
                                    {run_id_, target_urls_, auth_url, static_cast<std::uint64_t>(g) * 1'000'003}));
  add_shared_room_members(groups, group_plans);
  std::vector<agent_entry> entries;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<std::size_t> members;
    std::vector<std::uint32_t> member_capacity;
    std::uint64_t capacity = 0;
    for (std::size_t i = 0; i < run_agents_.size(); ++i)
      if (owner[i] == g) members.push_back(i), member_capacity.push_back(capacities[i]), capacity += capacities[i];
    // An open model's slots only deal arrivals out; closed-model slots are connections.
    if (!groups[g].open_model() && capacity < groups[g].users) {
      problems_.push_back(fmt::format(
          "group {} has {} users but its {} agent(s) can carry {} together (each announces its capacity, at most its "
          "open-file limit): {}", groups[g].tag(), groups[g].users, members.size(), capacity,
          options_.remote_agents ? "start more agents" : "raise `agents:` in the scenario so each carries fewer users"));
      log_error("{}", problems_.back());
      co_return false;
    }
    const auto shares = split_users(groups[g].users, member_capacity);
    for (std::size_t k = 0; k < members.size(); ++k) {
      auto& agent = *run_agents_[members[k]];
      agent.share = shares[k];
      agent.group = g;
      agent.in_run = true;
      agent.status.set_state(control::AGENT_IDLE);
      entries.push_back({agent.hello.agent_id(), static_cast<std::uint64_t>(groups[g].start_ns / s), groups[g].scenario,
                         groups[g].tag(), agent.hello.region()});
      control::ControllerToAgent message;
      *message.mutable_plan() = share_plan(group_plans[g], agent.share);
      send_to(agent, message);
    }
  }
  aggregator_.emplace(std::move(entries));
  co_return true;
}

net::awaitable<bool> coordinator::wait_until_ready() {
  const std::int64_t began = mono_ns();  // the plans have just gone out: the agents connect their users now
  const std::int64_t deadline = began + scenario_.connect_timeout_ns + 10 * s;
  for (;;) {
    bool all_ready = true;
    for (const auto& a : run_agents_) {
      if (!a->connected) {
        problems_.push_back("agent " + a->hello.agent_id() + " disconnected before the start");
        co_return false;
      }
      // A failed agent has settled too: none of its users could connect.
      const auto state = a->status.state();
      if (state != control::AGENT_READY && state != control::AGENT_FAILED) all_ready = false;
    }
    if (all_ready) break;
    if (interrupted_ || local_process_died()) co_return false;
    if (!co_await wait_for_change(std::min(deadline, mono_ns() + 100 * ms)) && mono_ns() >= deadline) {
      problems_.push_back("agents did not connect their users within the connect timeout");
      log_error("{}", problems_.back());
      co_return false;
    }
  }
  std::uint64_t connected = 0, failed = 0;
  bool agent_failed = false;
  // Users expected before the start: closed groups that begin with the run (open ones arrive later).
  std::uint64_t expected_ready = 0;
  for (const auto& g : scenario_.groups)
    if (!g.open_model() && g.start_ns == 0 && (g.stages.empty() || g.stages.front().duration_ns == 0)) expected_ready += g.users;
  for (const auto& a : run_agents_) {
    connected += a->status.connected_users();
    failed += a->status.failed_users();
    agent_failed |= a->status.state() == control::AGENT_FAILED;
  }
  if ((connected == 0 && expected_ready > 0) || agent_failed) {
    std::string detail;
    for (const auto& a : run_agents_)
      if (!a->status.message().empty()) detail += "; " + a->hello.agent_id() + ": " + a->status.message();
    // The agents' first failures say why; without them, the likeliest cause.
    problems_.push_back(fmt::format("no user could connect to the target {}{}", target_url_,
                                    detail.empty() ? " (is the server running and reachable from the agents?)" : detail));
    log_error("{}", problems_.back());
    co_return false;
  }
  if (failed) log_warn("{} of {} users could not connect; the run goes on with {}", failed, connected + failed, connected);
  if (connected) {
    const double took = static_cast<double>(mono_ns() - began) / 1e9;
    log_info("{} users connected and joined in {:.2f} s ({:.0f}/s)", connected, took, static_cast<double>(connected) / took);
  }
  co_return true;
}

net::awaitable<void> coordinator::run_until_done() {
  // Start far enough ahead that the Start message reaches every agent first.
  std::int64_t max_rtt = 0;
  for (const auto& a : run_agents_) max_rtt = std::max(max_rtt, 2 * a->status.clock_error_ns());
  const std::int64_t start_at = mono_ns() + 300 * ms + 2 * max_rtt;
  send_start_and_events(start_at);
  started_at_ = start_at;
  running_ = true;

  run_info info;
  info.run_id = run_id_;
  info.scenario_name = scenario_.name;
  info.target_url = target_url_;
  info.target_spawned = scenario_.spawn_server;
  info.users = scenario_.total_users();
  info.rate_per_s = scenario_.planned_send_rate();
  info.duration_ns = scenario_.end_ns();
  for (const auto& g : scenario_.groups) info.groups.push_back({g.tag(), executor_name(g.executor), g.users, g.does.rooms, g.planned_send_rate(), g.start_ns, g.duration_ns});
  info.thresholds = scenario_.thresholds;
  info.source = scenario_.source;
  info.agents = agent_infos();
  for (auto& o : outputs_) o->start(info);

  const std::int64_t deadline = start_at + scenario_.end_ns() + scenario_.drain_ns() + 15 * s;
  std::int64_t stop_deadline = 0;
  while (!aggregator_->all_final()) {
    if (interrupted_ && !stop_sent_) {
      problems_.push_back("interrupted by signal");
      abort_code_ = exit_aborted;
      // Sends stop now; a short drain lets in-flight acks and deliveries count.
      broadcast_stop("interrupted", std::min<std::int64_t>(scenario_.drain_ns(), 1 * s));
    }
    if (stop_sent_ && !stop_deadline) stop_deadline = mono_ns() + scenario_.drain_ns() + 5 * s;
    if (local_process_died()) {
      abort_code_ = exit_aborted;
      break;
    }
    const std::int64_t limit = stop_deadline ? std::min(deadline, stop_deadline) : deadline;
    if (!co_await wait_for_change(std::min(limit, mono_ns() + 200 * ms)) && mono_ns() >= limit) {
      problems_.push_back("agents did not deliver their final reports in time");
      abort_code_ = exit_aborted;
      break;
    }
  }
  emit(aggregator_->flush());
  running_ = false;
}

void coordinator::send_start_and_events(std::int64_t start_at) {
  for (auto& a : run_agents_) {
    control::ControllerToAgent message;
    message.mutable_start()->set_start_at_ns(start_at + scenario_.groups[a->group].start_ns);
    send_to(*a, message);
  }
  // Events go out now with their instants in controller time; agents apply them on time.
  const auto adjust_at = [&](const timeline_event& e, std::int64_t at, auto&& fill) {
    control::ControllerToAgent message;
    message.mutable_adjust()->set_at_ns(start_at + at);
    fill(*message.mutable_adjust());
    for (auto& a : run_agents_) {
      const auto& scenario_name = scenario_.groups[a->group].scenario;
      if (e.scenarios.empty() || std::find(e.scenarios.begin(), e.scenarios.end(), scenario_name) != e.scenarios.end())
        send_to(*a, message);
    }
  };
  for (const auto& e : scenario_.events) {
    switch (e.what) {
      case timeline_event::kind::burst:
        adjust_at(e, e.at_ns, [&](control::Adjust& a) { a.set_rate_multiplier(e.multiplier); });
        adjust_at(e, e.at_ns + e.length_ns, [](control::Adjust& a) { a.set_rate_multiplier(1.0); });
        break;
      case timeline_event::kind::pause:
        adjust_at(e, e.at_ns, [](control::Adjust& a) { a.set_pause(control::Adjust::PAUSE); });
        adjust_at(e, e.at_ns + e.length_ns, [](control::Adjust& a) { a.set_pause(control::Adjust::RESUME); });
        break;
      case timeline_event::kind::reconnect_storm:
        adjust_at(e, e.at_ns, [&](control::Adjust& a) { *a.mutable_storm() = e.storm; });
        break;
    }
  }
}

std::vector<threshold_result> coordinator::evaluate_thresholds(double elapsed_s) const {
  std::vector<threshold_result> out;
  for (const auto& t : scenario_.thresholds) {
    const run_stats& stats = t.tag_key.empty() ? aggregator_->total() : aggregator_->tagged(t.tag_key, t.tag_value);
    out.push_back(evaluate(t, stats, elapsed_s));
  }
  return out;
}

void coordinator::evaluate_live(interval_view& window) {
  last_active_users_ = window.active_users;
  const double elapsed_s = static_cast<double>(window.window + 1);
  live_thresholds_ = evaluate_thresholds(elapsed_s);
  window.thresholds_total = static_cast<std::uint32_t>(live_thresholds_.size());
  for (const auto& r : live_thresholds_) {
    if (r.passed) continue;
    ++window.thresholds_failing;
    if (r.spec.abort_on_fail && static_cast<std::int64_t>(elapsed_s * 1e9) >= r.spec.delay_abort_eval_ns && !stop_sent_)
      abort_run(fmt::format("threshold {} failed at {}s ({}); aborting as abort_on_fail asks", r.spec.name(),
                            window.window + 1, r.shown),
                exit_threshold_failed);
  }
  if (scenario_.max_agent_cpu_percent > 0 && window.max_cpu_percent > scenario_.max_agent_cpu_percent && !stop_sent_)
    abort_run(fmt::format("an agent ran at {:.0f}% CPU in second {}, beyond max_agent_cpu {:.0f}%: its latencies would "
                          "include its own queueing; use more agents or fewer users per agent",
                          window.max_cpu_percent, window.window + 1, scenario_.max_agent_cpu_percent),
              exit_aborted);
}

void coordinator::abort_run(const std::string& why, int exit_code) {
  log_error("{}", why);
  problems_.push_back(why);
  abort_code_ = exit_code;
  broadcast_stop(why, std::min<std::int64_t>(scenario_.drain_ns(), 1 * s));
  notify();
}

void coordinator::emit(std::vector<interval_view> windows) {
  for (auto& w : windows) {
    evaluate_live(w);
    for (auto& o : outputs_) o->add(w);
    publish_snapshot(&w);
  }
}

void coordinator::send_to(agent_link& agent, const control::ControllerToAgent& message) {
  agent.channel->send(encode_frame(message, wire_format::binary));
}

void coordinator::broadcast_stop(const std::string& reason, std::int64_t drain_ns) {
  control::ControllerToAgent message;
  message.mutable_stop()->set_reason(reason);
  message.mutable_stop()->set_drain_ns(drain_ns);
  for (auto& a : run_agents_)
    if (a->connected) send_to(*a, message);
  stop_sent_ = true;
}

net::awaitable<std::shared_ptr<ws_channel>> accept_with_token(beast::tcp_stream stream, const http_request& request,
                                                              const std::string& token, const char* refusal,
                                                              std::size_t max_message_bytes) {
  // Compared in constant time: the token is a password.
  const std::string expected = "Bearer " + token;
  const auto given = request[http::field::authorization];
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < std::min(given.size(), expected.size()); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  if (diff) {
    auto res = text_response(request, http::status::unauthorized, refusal);
    res.keep_alive(false);
    co_await http::async_write(stream, res, use_nothrow);
    co_return nullptr;
  }
  ws_stream ws(std::move(stream));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.read_message_max(max_message_bytes);
  auto [aec] = co_await ws.async_accept(request, use_nothrow);
  if (aec) co_return nullptr;
  ws.binary(true);
  auto channel = std::make_shared<ws_channel>(std::move(ws), 64 * 1024 * 1024);
  channel->start();
  co_return channel;
}

net::awaitable<void> coordinator::serve_agent(beast::tcp_stream stream, http_request request) {
  auto channel = co_await accept_with_token(std::move(stream), request, options_.agent_token,
                                            "missing or wrong agent token: pass the controller's agent token with --token\n",
                                            64 * 1024 * 1024);
  if (!channel) co_return;
  auto agent = std::make_shared<agent_link>();
  agent->channel = std::move(channel);

  beast::flat_buffer buffer;
  control::AgentToController message;
  bool greeted = false;
  for (;;) {
    const auto r = co_await read_message(agent->channel->stream(), buffer, message);
    const std::int64_t received = mono_ns();  // t1 of a clock ping: as early as we can
    if (r.ec.category() == frame_category()) {
      log_warn("malformed message from an agent: {}", r.ec.message());
      continue;
    }
    if (r.ec) break;
    if (!greeted) {
      std::string refusal;
      if (!message.has_hello()) refusal = "the first message must be an agent hello";
      else if (message.hello().protocol_version() != control::PROTOCOL_VERSION_CURRENT)
        refusal = fmt::format("control protocol version {} is not supported; this controller speaks version {}: "
                              "run the same Throng version on agents and controller",
                              message.hello().protocol_version(), static_cast<int>(control::PROTOCOL_VERSION_CURRENT));
      else if (message.hello().agent_id().empty()) refusal = "agent id is empty";
      else if (auto it = agents_.find(message.hello().agent_id()); it != agents_.end() && it->second->connected)
        refusal = "an agent with id '" + message.hello().agent_id() + "' is already connected; give each agent a unique --id";
      if (!refusal.empty()) {
        control::ControllerToAgent refused;
        refused.mutable_refused()->set_reason(refusal);
        send_to(*agent, refused);
        agent->channel->close(websocket::close_code::policy_error, "refused");
        log_warn("refused an agent: {}", refusal);
        co_return;
      }
      greeted = true;
      agent->hello = message.hello();
      agents_[agent->hello.agent_id()] = agent;
      log_info("agent {} ({}, {} cores, capacity {}) connected", agent->hello.agent_id(), agent->hello.region(),
               agent->hello.cores(), agent->hello.capacity_users());
      notify();
      continue;
    }
    on_agent_message(agent, message, received);
  }
  agent->connected = false;
  if (greeted) {
    if (agent->in_run && aggregator_ && !aggregator_->all_final() && running_) {
      const auto what = fmt::format("agent {} ({} users of group {}) disconnected during the run", agent->hello.agent_id(),
                                    agent->share.user_count, scenario_.groups[agent->group].tag());
      if (scenario_.abort_on_agent_loss) {
        abort_run(what + "; the run stops (on_agent_loss: abort); set on_agent_loss: degrade to carry on without it",
                  exit_aborted);
      } else {
        degraded_ = true;
        warnings_.push_back(what + ": the results lack its share from then on (on_agent_loss: degrade)");
        log_warn("{}", warnings_.back());
      }
      emit(aggregator_->remove_agent(agent->hello.agent_id()));
    }
    notify();
  }
}

void coordinator::on_agent_message(const std::shared_ptr<agent_link>& agent,
                                   const control::AgentToController& message, std::int64_t received_ns) {
  switch (message.kind_case()) {
    case control::AgentToController::kPing: {
      control::ControllerToAgent pong;
      pong.mutable_pong()->set_t0_ns(message.ping().t0_ns());
      pong.mutable_pong()->set_t1_ns(received_ns);
      pong.mutable_pong()->set_t2_ns(mono_ns());
      send_to(*agent, pong);
      break;
    }
    case control::AgentToController::kStatus:
      agent->status = message.status();
      if (agent->status.state() == control::AGENT_FAILED)
        log_error("agent {}: {}", agent->hello.agent_id(), agent->status.message());
      notify();
      break;
    case control::AgentToController::kReport: {
      const auto& report = message.report();
      agent->active_users = report.active_users();
      agent->sends_per_s = static_cast<double>(report.counters().sent());  // a report covers one second
      agent->loop_lag_ms = report.loop_lag_ms();
      agent->cpu_percent = report.cpu_percent();
      if (aggregator_ && agent->in_run) emit(aggregator_->add(report));
      notify();
      break;
    }
    default: break;
  }
}

std::vector<agent_info> coordinator::agent_infos() const {
  std::vector<agent_info> out;
  for (const auto& a : run_agents_)
    out.push_back({a->hello.agent_id(), a->hello.region(), scenario_.groups[a->group].tag(), a->share.user_count,
                   a->status.clock_offset_ns(), a->status.clock_error_ns(), control::AgentState_Name(a->status.state()),
                   a->connected});
  return out;
}

unsigned coordinator::local_agent_count() const {
  if (scenario_.local_agents) return std::max<unsigned>(scenario_.local_agents, static_cast<unsigned>(scenario_.groups.size()));
  return std::max<unsigned>(std::max(1u, std::thread::hardware_concurrency()), static_cast<unsigned>(scenario_.groups.size()));
}

std::string coordinator::metrics_text() const {
  std::vector<metric_value> values;
  std::size_t connected = 0;
  for (const auto& [id, a] : agents_) connected += a->connected ? 1 : 0;
  values.push_back({"throng_controller_agents_connected", "agents connected", metric_kind::gauge, static_cast<double>(connected)});
  if (!aggregator_) return prometheus_text(values);
  values.push_back({"throng_run_active_users", "users connected in the last complete second", metric_kind::gauge,
                    static_cast<double>(last_active_users_)});
  // The unlabelled families are the whole run; throng_run_tag_* split it by scenario, group and region.
  const auto counters = [&](const run_counters& c, std::vector<std::pair<std::string, std::string>> labels) {
    const std::string family = labels.empty() ? "throng_run_" : "throng_run_tag_";
    for (const auto& f : counter_fields())
      values.push_back({fmt::format("{}{}_total", family, f.name), fmt::format("{} in this run (DESIGN.md, What is measured)", f.name),
                        metric_kind::counter, static_cast<double>(c.*f.member), labels});
  };
  counters(aggregator_->total().counters, {});
  for (const auto& [key, tag_values] : aggregator_->tags())
    for (const auto& [value, stats] : tag_values) counters(stats.counters, {{key, value}});
  for (const auto& [name, h] : {std::pair{"e2e", &aggregator_->total().e2e}, {"ack", &aggregator_->total().ack},
                                {"connect", &aggregator_->total().connect}})
    for (double q : {50.0, 95.0, 99.0})
      values.push_back({fmt::format("throng_run_{}_seconds", name), fmt::format("{} latency, whole run so far", name),
                        metric_kind::gauge, static_cast<double>(h->percentile(q)) / 1e9, {{"quantile", fmt::format("{}", q / 100)}}});
  for (const auto& r : live_thresholds_)
    values.push_back({"throng_threshold_passing", "1 while the threshold holds on the results so far", metric_kind::gauge,
                      r.passed ? 1.0 : 0.0, {{"threshold", r.spec.name()}}});
  return prometheus_text(values);
}

int run_scenario(const scenario& sc, const run_options& options) {
  coordinator c(sc, options);
  return c.run();
}

int serve_one_run(const run_options& options) {
  coordinator c(std::nullopt, options);
  return c.run();
}

}  // namespace throng::controller
