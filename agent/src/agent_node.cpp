#include "agent_node.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "throng/common/exit_codes.hpp"
#include "throng/common/fd_limit.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"
#include "throng/common/metrics.hpp"
#include "throng/common/ws_dial.hpp"
#include "summary.hpp"
#include "virtual_user.hpp"

namespace throng::agent {

namespace {
constexpr std::int64_t report_interval_ns = 1'000'000'000;

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  error_code ec;
  const auto address = net::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

}  // namespace

bool target_allowed(const agent_config& config, const std::string& host, unsigned short port) {
  if (config.allowed_targets.empty()) return is_loopback_host(host);
  const std::string with_port = host + ":" + std::to_string(port);
  return std::any_of(config.allowed_targets.begin(), config.allowed_targets.end(),
                     [&](const std::string& entry) { return entry == host || entry == with_port; });
}

agent_node::agent_node(agent_config config) : config_(std::move(config)) {
  const unsigned n = config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) workers_.push_back(std::make_unique<worker>(i, n));
  spares_.resize(n);
  std::string error;
  auto ips = parse_source_ips(config_.source_ips, error);
  if (!ips) throw std::invalid_argument("--source-ips: " + error);
  source_ips_ = std::move(*ips);
}

agent_node::~agent_node() {
  for (auto& w : workers_) w->stop_thread();
}

void agent_node::start_common() {
  for (auto& w : workers_) w->start_thread();
  if (config_.metrics_port) {
    open_acceptor(metrics_acceptor_, config_.metrics_host, config_.metrics_port);
    net::co_spawn(io_, accept_loop(metrics_acceptor_, metrics_only([this] { return metrics_text(); })),
                  log_exceptions{"metrics listener"});
  }
}

int agent_node::run() {
  start_common();
  net::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](error_code ec, int sig) {
    if (ec) return;
    log_info("signal {}: stopping load and leaving", sig);
    shutdown(exit_aborted);
  });
  net::co_spawn(io_, control_session(), [this](std::exception_ptr e) {
    log_exceptions{"controller link"}(e);
    if (e) shutdown(exit_aborted);
  });
  io_.run();
  for (auto& w : workers_) w->stop_thread();
  return exit_code_;
}

int agent_node::run_standalone(const control::Plan& plan, int report_fd) {
  standalone_ = true;
  report_fd_ = report_fd;
  start_common();
  net::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](error_code ec, int sig) {
    if (ec) return;
    log_info("signal {}: stopping the run (draining)", sig);
    control::Stop stop;
    stop.set_reason("interrupted");
    stop.set_drain_ns(run_ ? run_->plan.drain_ns() : 0);
    on_stop(stop);
    exit_code_ = exit_aborted;
  });
  net::post(io_, [this, plan] { on_plan(plan); });
  io_.run();
  for (auto& w : workers_) w->stop_thread();
  return exit_code_;
}

bool agent_node::run_active() const {
  return state_ == control::AGENT_CONNECTING || state_ == control::AGENT_READY || state_ == control::AGENT_RUNNING ||
         state_ == control::AGENT_DRAINING;
}

net::awaitable<bool> agent_node::connect_to_controller() {
  const auto url = parse_ws_url(config_.controller_url);
  if (!url || url->tls) {
    log_error("--controller '{}' is not a ws://host:port/path URL (wss is not supported yet)", config_.controller_url);
    exit_code_ = exit_bad_input;
    co_return false;
  }
  const auto deadline = mono_ns() + static_cast<std::int64_t>(config_.controller_timeout_s * 1e9);
  error_code last;
  while (mono_ns() < deadline && !shutting_down_) {
    auto dialed = co_await dial_websocket(*url, config_.token, "throng-agent", std::chrono::seconds(5));
    if (dialed.ws) {
      link_ = std::make_shared<ws_channel>(std::move(*dialed.ws), 256 * 1024 * 1024);
      link_->start();
      co_return true;
    }
    if (dialed.refused_token()) {
      log_error("controller {} refused the agent token (HTTP {}); pass the controller's agent token with --token",
                config_.controller_url, dialed.http_status);
      exit_code_ = exit_bad_input;
      co_return false;
    }
    last = dialed.ec;
    net::steady_timer pause(io_, std::chrono::milliseconds(250));
    co_await pause.async_wait(use_nothrow);
  }
  log_error("cannot reach the controller at {}: {} (is `throng run` listening there? check --controller)",
            config_.controller_url, last ? last.message() : "timed out");
  if (!exit_code_) exit_code_ = exit_aborted;
  co_return false;
}

net::awaitable<void> agent_node::control_session() {
  for (;;) {
    if (!co_await connect_to_controller()) {
      shutdown(exit_code_);
      co_return;
    }
    link_lost_at_ = 0;
    control::AgentToController hello_message;
    auto* hello = hello_message.mutable_hello();
    hello->set_protocol_version(control::PROTOCOL_VERSION_CURRENT);
    hello->set_agent_id(config_.id);
    hello->set_region(config_.region);
    hello->set_cores(static_cast<std::uint32_t>(workers_.size()));
    hello->set_capacity_users(static_cast<std::uint32_t>(std::min<std::uint64_t>(config_.capacity_users, raise_open_file_limit())));
    hello->set_version(THRONG_VERSION);
    if (run_active() && run_) hello->set_active_run_id(run_->plan.run_id());
    send(hello_message);
    log_info("agent {} connected to controller {}", config_.id, config_.controller_url);
    auto link = link_;
    net::co_spawn(io_, ping_loop(link), net::detached);

    beast::flat_buffer buffer;
    control::ControllerToAgent message;
    error_code ended;
    for (;;) {
      const auto r = co_await read_message(link->stream(), buffer, message);
      if (r.ec.category() == frame_category()) {
        log_warn("ignoring a malformed controller message ({})", r.ec.message());
        continue;
      }
      if (r.ec) {
        ended = r.ec;
        break;
      }
      handle(message);
      if (shutting_down_) co_return;
    }
    link_.reset();
    if (shutting_down_) co_return;
    if (ended == websocket::error::closed && !run_active()) {
      log_info("controller closed the link");
      shutdown(exit_code_);
      co_return;
    }
    if (run_active()) {
      // Keep the load only as long as the dead-man switch allows.
      log_warn("lost the controller during a run ({}); reconnecting, and stopping the load in {} s unless it is back",
               ended.message(), config_.dead_man_s);
      link_lost_at_ = mono_ns();
      net::co_spawn(io_, dead_man_switch(), log_exceptions{"dead-man switch"});
    } else {
      log_warn("lost the controller ({}); reconnecting", ended.message());
    }
  }
}

net::awaitable<void> agent_node::dead_man_switch() {
  const std::int64_t lost_at = link_lost_at_;
  net::steady_timer timer(io_, steady_at(lost_at + static_cast<std::int64_t>(config_.dead_man_s * 1e9)));
  co_await timer.async_wait(use_nothrow);
  if (shutting_down_ || link_lost_at_ != lost_at || !run_active()) co_return;
  // Never keep loading a target nobody is watching.
  log_warn("dead-man switch: no controller for {} s, stopping the load", config_.dead_man_s);
  if (run_) run_->stopping.store(true);
  close_users();
  if (report_timer_) report_timer_->cancel();
  stop_at_ns_ = mono_ns();
  state_ = control::AGENT_FAILED;
}

net::awaitable<void> agent_node::ping_loop(std::shared_ptr<ws_channel> link) {
  net::steady_timer timer(io_);
  for (int i = 0; !shutting_down_ && link == link_ && !link->closing(); ++i) {
    control::AgentToController ping;
    ping.mutable_ping()->set_t0_ns(mono_ns());
    send(ping);
    // A quick burst first so an estimate exists before the plan; then 1 Hz.
    timer.expires_after(i < 8 ? std::chrono::milliseconds(25) : std::chrono::milliseconds(1000));
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
  }
}

void agent_node::handle(const control::ControllerToAgent& message) {
  switch (message.kind_case()) {
    case control::ControllerToAgent::kPong: {
      const auto& pong = message.pong();
      clock_.add(clock_sample{pong.t0_ns(), pong.t1_ns(), pong.t2_ns(), mono_ns()});
      if (auto e = clock_.estimate(); e && run_) run_->clock_offset_ns.store(e->offset_ns);
      break;
    }
    case control::ControllerToAgent::kPlan: on_plan(message.plan()); break;
    case control::ControllerToAgent::kStart: on_start(message.start()); break;
    case control::ControllerToAgent::kStop: on_stop(message.stop()); break;
    case control::ControllerToAgent::kAdjust: on_adjust(message.adjust()); break;
    case control::ControllerToAgent::kRefused:
      log_error("controller refused this agent: {}", message.refused().reason());
      shutdown(exit_bad_input);
      break;
    default: break;
  }
}

void agent_node::send(const control::AgentToController& message) {
  if (link_) link_->send(encode_frame(message, wire_format::binary));
}

void agent_node::send_status(control::AgentState state, std::string detail) {
  state_ = state;
  if (standalone_) {
    if (state == control::AGENT_FAILED) {
      log_error("{}", detail);
      shutdown(exit_aborted);
    } else if (state == control::AGENT_READY) {
      if (!detail.empty()) log_warn("{}", detail);
      control::Start start;
      start.set_start_at_ns(mono_ns() + 100'000'000);
      on_start(start);
    } else if (!detail.empty()) {
      log_info("{}", detail);
    }
    return;
  }
  control::AgentToController message;
  auto* status = message.mutable_status();
  status->set_agent_id(config_.id);
  status->set_state(state);
  status->set_connected_users(static_cast<std::uint32_t>(ready_users_));
  status->set_failed_users(static_cast<std::uint32_t>(failed_users_));
  if (auto e = clock_.estimate()) {
    status->set_clock_offset_ns(e->offset_ns);
    status->set_clock_error_ns(e->error_ns);
  }
  status->set_message(std::move(detail));
  send(message);
}

void agent_node::refuse_plan(std::string why) {
  if (standalone_) {
    // The plan came from this command line: a mistake in it is bad input.
    log_error("{}", why);
    shutdown(exit_bad_input);
    return;
  }
  send_status(control::AGENT_FAILED, std::move(why));
}

void agent_node::on_plan(const control::Plan& plan) {
  if (run_active()) {
    send_status(state_, "plan refused: a run is already in progress on this agent");
    return;
  }
  std::vector<std::string> urls{plan.target_url()};
  urls.insert(urls.end(), plan.extra_target_urls().begin(), plan.extra_target_urls().end());
  std::vector<target> targets;
  tcp::resolver resolver(io_);
  for (const auto& text : urls) {
    const auto url = parse_ws_url(text);
    if (!url || url->tls) {
      refuse_plan("target '" + text + "' is not a ws://host:port/path URL");
      return;
    }
    if (!target_allowed(config_, url->host, url->port)) {
      refuse_plan(fmt::format("target {}:{} is not on this agent's allow-list; start the agent "
                                                     "with --allow-target {}:{} to permit it",
                                                     url->host, url->port, url->host, url->port));
      return;
    }
    error_code ec;
    const auto results = resolver.resolve(url->host, std::to_string(url->port), ec);
    if (ec || results.empty()) {
      refuse_plan("cannot resolve target host '" + url->host + "': " + ec.message());
      return;
    }
    targets.push_back({*url, results.begin()->endpoint()});
  }
  // The agent's own --source-ips win over the plan's: they are this host's addresses.
  auto sources = source_ips_;
  if (sources.empty() && plan.source_ips_size()) {
    std::string error;
    auto parsed = parse_source_ips({plan.source_ips().begin(), plan.source_ips().end()}, error);
    if (!parsed) {
      refuse_plan("plan source_ips: " + error);
      return;
    }
    sources = std::move(*parsed);
  }
  std::string error;
  auto run = run_context::prepare(plan, std::move(targets), std::move(sources), error);
  if (!run) {
    refuse_plan("plan refused: " + error);
    return;
  }
  if (plan.auth() == control::AUTH_REGISTER_LOGIN) {
    std::string api_text = plan.auth_url().empty() ? "" : plan.auth_url();
    if (api_text.rfind("http://", 0) == 0) api_text = "ws://" + api_text.substr(7);
    const auto api = api_text.empty() ? std::optional<ws_url>(run->targets.front().url) : parse_ws_url(api_text);
    error_code ec;
    const auto results = api ? resolver.resolve(api->host, std::to_string(api->port), ec) : tcp::resolver::results_type{};
    if (!api || ec || results.empty()) {
      refuse_plan("auth_url '" + plan.auth_url() + "' is not a reachable http://host:port");
      return;
    }
    if (!target_allowed(config_, api->host, api->port)) {
      refuse_plan("auth API " + api->host + " is not on this agent's allow-list");
      return;
    }
    run->auth_api = target{*api, results.begin()->endpoint()};
  }
  if (auto e = clock_.estimate()) run->clock_offset_ns.store(e->offset_ns);
  run_ = run;
  ready_users_ = failed_users_ = 0;
  expected_ready_ = 0;
  first_failure_.clear();
  window_.reset();
  stop_at_ns_ = 0;
  storms_ = 0;
  send_status(control::AGENT_CONNECTING);
  log_info("plan {}: user slots {}..{} of {}, target {}", plan.run_id(), plan.first_user(),
           plan.first_user() + plan.user_count(), plan.total_users(), plan.target_url());
  for (auto& w : workers_) expected_ready_ += w->initial_users(*run);
  connects_began_ns_ = mono_ns();
  connect_phase_.reset();
  for (auto& w : workers_)
    net::post(w->io, [this, &w = *w, run] {
      w.begin_run(run, [this](const std::string& failure) {
        net::post(io_, [this, failure] { on_user_ready(failure); });
      });
    });
  // Nobody to connect before the start (an open model): ready at once. After
  // begin_run is queued, so that a Start reaches workers that know the run.
  if (expected_ready_ == 0) send_status(control::AGENT_READY);
}

void agent_node::on_user_ready(const std::string& failure) {
  if (failure.empty()) {
    ++ready_users_;
  } else {
    ++failed_users_;
    if (first_failure_.empty()) first_failure_ = failure;
  }
  if (!run_ || state_ != control::AGENT_CONNECTING) return;
  if (ready_users_ + failed_users_ < expected_ready_) return;
  connect_phase_ = connect_phase{ready_users_, failed_users_, static_cast<double>(mono_ns() - connects_began_ns_) / 1e9};
  log_info("{}", describe(*connect_phase_));
  if (ready_users_ == 0) {
    send_status(control::AGENT_FAILED, "no user could connect and join; first failure: " + first_failure_);
    return;
  }
  send_status(control::AGENT_READY,
              failed_users_ ? fmt::format("{} users could not connect or join; first failure: {}", failed_users_, first_failure_)
                            : std::string{});
}

void agent_node::on_start(const control::Start& start) {
  if (!run_ || state_ != control::AGENT_READY) {
    send_status(state_, "start ignored: no prepared plan");
    return;
  }
  // The connect storm's handshake buffers are free now; give their pages back.
  malloc_trim(0);
  const std::int64_t offset = run_->clock_offset_ns.load();
  run_->start_local_ns.store(start.start_at_ns() - offset);
  for (auto& w : workers_) net::post(w->io, [&w = *w] { w.start(); });
  send_status(control::AGENT_RUNNING);
  net::co_spawn(io_, report_loop(), log_exceptions{"reporter"});
  // A standalone run's own events, on its own clock (offset 0).
  for (const auto& event : config_.events) {
    control::Adjust adjust;
    adjust.set_at_ns(start.start_at_ns() + event.at_ns);
    adjust.set_rate_multiplier(event.rate_multiplier);
    if (event.storm_fraction > 0) {
      adjust.mutable_storm()->set_fraction(event.storm_fraction);
      adjust.mutable_storm()->set_window_ns(event.storm_window_ns);
    }
    if (event.pause == live_event::pause_change::pause) adjust.set_pause(control::Adjust::PAUSE);
    if (event.pause == live_event::pause_change::resume) adjust.set_pause(control::Adjust::RESUME);
    on_adjust(adjust);
  }
}

void agent_node::on_adjust(const control::Adjust& adjust) {
  if (!run_) return;
  const std::int64_t at = adjust.at_ns() ? adjust.at_ns() - run_->clock_offset_ns.load() : 0;
  if (at <= mono_ns()) {
    apply_adjust(adjust);
    return;
  }
  auto timer = std::make_shared<net::steady_timer>(io_, steady_at(at));
  timer->async_wait([this, timer, adjust, run = run_](error_code ec) {
    if (!ec && run == run_) apply_adjust(adjust);
  });
}

void agent_node::apply_adjust(const control::Adjust& adjust) {
  if (adjust.rate_multiplier() > 0) {
    run_->rate_multiplier.store(adjust.rate_multiplier());
    log_info("send rate x{}", adjust.rate_multiplier());
  }
  if (adjust.pause() == control::Adjust::PAUSE) run_->paused.store(true);
  if (adjust.pause() == control::Adjust::RESUME) run_->paused.store(false);
  if (adjust.storm().fraction() > 0) {
    const auto number = ++storms_;
    log_info("reconnect storm {}: {:.1f}% of users over {} ms", number, adjust.storm().fraction() * 100,
             adjust.storm().window_ns() / 1'000'000);
    for (auto& w : workers_) net::post(w->io, [&w = *w, storm = adjust.storm(), number] { w.storm(storm, number); });
  }
}

void agent_node::on_stop(const control::Stop& stop) {
  log_info("asked to stop: {}", stop.reason());
  // Stop sending now; keep listening for the drain so in-flight acks and
  // deliveries of what was already sent are still counted.
  stop_at_ns_ = mono_ns() + std::max<std::int64_t>(0, stop.drain_ns());
  if (run_) run_->stopping.store(true);
  if (report_timer_) report_timer_->cancel();
  if (state_ == control::AGENT_CONNECTING || state_ == control::AGENT_READY) {
    close_users();
    send_status(control::AGENT_DONE, "stopped before start");
    if (standalone_) shutdown(exit_code_);
  }
}

net::awaitable<void> agent_node::report_loop() {
  auto run = run_;
  const std::int64_t start = run->start_local_ns.load();
  const std::int64_t end = start + run->send_end_ns + run->plan.drain_ns();
  std::int64_t cpu_before = cpu_time_ns(), wall_before = mono_ns();
  report_timer_.emplace(io_);
  for (std::uint64_t window = 0;;) {
    const std::int64_t last = stop_at_ns_ ? std::min(end, stop_at_ns_) : end;
    const std::int64_t due = std::min(last, start + static_cast<std::int64_t>(window + 1) * report_interval_ns);
    report_timer_->expires_at(steady_at(due));
    co_await report_timer_->async_wait(use_nothrow);
    if (mono_ns() < due && !shutting_down_ && !(stop_at_ns_ && stop_at_ns_ <= mono_ns())) continue;  // early: recompute
    const bool final = shutting_down_ || mono_ns() >= (stop_at_ns_ ? std::min(end, stop_at_ns_) : end);
    if (mono_ns() >= start + run->send_end_ns && state_ == control::AGENT_RUNNING)
      send_status(control::AGENT_DRAINING);
    if (final) {
      run->stopping.store(true);
      close_users();  // sessions end: open sequence gaps become lost before the last collection
    }

    net::steady_timer collected(io_, net::steady_timer::time_point::max());
    collect([&collected] { collected.cancel(); });
    co_await collected.async_wait(use_nothrow);

    const std::int64_t cpu_now = cpu_time_ns(), wall_now = mono_ns();
    control::AgentToController message;
    auto* report = message.mutable_report();
    report->set_agent_id(config_.id);
    report->set_window(window);
    report->set_window_end_ns(wall_now + run->clock_offset_ns.load());
    window_.to_proto(*report->mutable_counters(), *report->mutable_latencies());
    report->set_active_users(window_connected_users_);
    report->set_loop_lag_ms(static_cast<double>(window_loop_lag_ns_) / 1e6);
    // Normalised per worker thread: 100 means every worker was busy all the time.
    report->set_cpu_percent(100.0 * static_cast<double>(cpu_now - cpu_before) /
                            static_cast<double>(std::max<std::int64_t>(1, wall_now - wall_before)) /
                            static_cast<double>(workers_.size()));
    if (auto e = clock_.estimate()) report->set_clock_error_ns(e->error_ns);
    report->set_final(final);
    if (standalone_) {
      standalone_total_.merge(window_);
      standalone_load_.max_cpu_percent = std::max(standalone_load_.max_cpu_percent, report->cpu_percent());
      standalone_load_.max_loop_lag_ms = std::max(standalone_load_.max_loop_lag_ms, report->loop_lag_ms());
      print_progress(*report);
    } else {
      send(message);
    }
    totals_.merge(window_.counters);
    cpu_before = cpu_now;
    wall_before = wall_now;
    ++window;
    if (final) break;
  }
  send_status(control::AGENT_DONE);
  report_timer_.reset();
  if (standalone_) {
    control::StatsReport whole;
    standalone_total_.to_proto(*whole.mutable_counters(), *whole.mutable_latencies());
    whole.set_cpu_percent(standalone_load_.max_cpu_percent);
    whole.set_loop_lag_ms(standalone_load_.max_loop_lag_ms);
    if (report_fd_ >= 0) {
      const auto bytes = whole.SerializeAsString();
      for (std::size_t off = 0; off < bytes.size();) {
        const auto n = ::write(report_fd_, bytes.data() + off, bytes.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
    } else {
      exit_code_ = finish_standalone(config_, standalone_total_, standalone_load_, connect_phase_,
                                     fmt::format("run {} after {:.1f}s", exit_code_ ? "INTERRUPTED" : "complete",
                                                 static_cast<double>(mono_ns() - start) / 1e9),
                                     exit_code_);
    }
    shutdown(exit_code_);
  }
}

void agent_node::print_progress(const control::StatsReport& report) {
  if (!config_.show_progress) return;
  const auto& c = report.counters();
  std::cerr << fmt::format("[{:>4}s] users {:>6}  sent {:>7}/s  acked {:>7}/s  delivered {:>8}/s  dropped {}  errors {}  lag {:.1f} ms  cpu {:.0f}%\n",
                           report.window() + 1, report.active_users(), c.sent(), c.acked(), c.delivered(), c.dropped(),
                           c.errors(), report.loop_lag_ms(), report.cpu_percent());
}

void agent_node::collect(std::function<void()> done) {
  window_.reset();
  window_loop_lag_ns_ = 0;
  window_connected_users_ = 0;
  auto pending = std::make_shared<std::size_t>(workers_.size());
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    worker& w = *workers_[i];
    run_stats& spare = spares_[i];
    spare.reset();
    net::post(w.io, [this, &w, &spare, pending, done] {
      w.stats.swap(spare);  // O(1): the worker keeps recording into the fresh one
      const auto lag = w.take_loop_lag();
      const auto connected = w.connected_users;
      net::post(io_, [this, &spare, lag, connected, pending, done] {
        window_.merge(spare);
        window_loop_lag_ns_ = std::max(window_loop_lag_ns_, lag);
        window_connected_users_ += connected;
        if (--*pending == 0) done();
      });
    });
  }
}

void agent_node::close_users() {
  for (auto& w : workers_) net::post(w->io, [&w = *w] { w.close_users(); });
}

void agent_node::shutdown(int exit_code) {
  if (shutting_down_) return;
  shutting_down_ = true;
  exit_code_ = exit_code;
  if (run_) run_->stopping.store(true);
  close_users();
  if (report_timer_) report_timer_->cancel();
  if (link_) link_->close(websocket::close_code::going_away);
  error_code ignored;
  metrics_acceptor_.close(ignored);
  // Give the closes a moment to reach the wire, then leave.
  auto timer = std::make_shared<net::steady_timer>(io_, std::chrono::milliseconds(300));
  timer->async_wait([this, timer](error_code) { io_.stop(); });
}

std::string agent_node::metrics_text() const {
  std::vector<metric_value> values = {
      {"throng_agent_sent_total", "messages sent", metric_kind::counter, static_cast<double>(totals_.sent)},
      {"throng_agent_acked_total", "messages acknowledged", metric_kind::counter, static_cast<double>(totals_.acked)},
      {"throng_agent_delivered_total", "messages received", metric_kind::counter, static_cast<double>(totals_.delivered)},
      {"throng_agent_dropped_total", "send slots missed", metric_kind::counter, static_cast<double>(totals_.dropped)},
      {"throng_agent_lost_total", "sequence gaps never filled", metric_kind::counter, static_cast<double>(totals_.lost)},
      {"throng_agent_reconnects_total", "reconnections", metric_kind::counter, static_cast<double>(totals_.reconnects)},
      {"throng_agent_connect_errors_total", "failed connection attempts", metric_kind::counter, static_cast<double>(totals_.connect_errors)},
      {"throng_agent_errors_total", "errors", metric_kind::counter, static_cast<double>(totals_.errors)},
      {"throng_agent_connected_users", "users connected at the last report", metric_kind::gauge, static_cast<double>(window_connected_users_)},
      {"throng_agent_controller_linked", "1 while the controller link is up", metric_kind::gauge, link_ ? 1.0 : 0.0},
  };
  if (auto e = clock_.estimate()) {
    values.push_back({"throng_agent_clock_offset_seconds", "controller clock minus agent clock", metric_kind::gauge, static_cast<double>(e->offset_ns) / 1e9});
    values.push_back({"throng_agent_clock_error_seconds", "bound on the clock offset error", metric_kind::gauge, static_cast<double>(e->error_ns) / 1e9});
  }
  return prometheus_text(values);
}

namespace {
agent_config with_default_id(agent_config c) {
  if (c.id.empty()) {
    char host[256] = "agent";
    gethostname(host, sizeof host - 1);
    c.id = std::string(host) + "-" + std::to_string(getpid());
  }
  return c;
}
}  // namespace

int run_agent(const agent_config& config) {
  // Say it before any plan: this process cannot hold more users than sockets.
  if (const auto sockets = raise_open_file_limit(); config.capacity_users > sockets)
    log_warn("the open-file limit lets this process hold {} connections, fewer than --capacity {}; it offers {} to "
             "the controller (run more processes with --processes, or raise the hard limit: ulimit -Hn)",
             sockets, config.capacity_users, sockets);
  agent_node node(with_default_id(config));
  return node.run();
}

int run_standalone(const agent_config& config, const control::Plan& plan, int report_fd) {
  if (const auto sockets = raise_open_file_limit(); plan.user_count() > sockets)
    log_warn("the open-file limit lets this process hold {} connections, fewer than its {} users: the rest will fail "
             "to connect (leave --processes at 0 to split the users over enough processes)",
             sockets, plan.user_count());
  agent_node node(with_default_id(config));
  return node.run_standalone(plan, report_fd);
}

}  // namespace throng::agent
