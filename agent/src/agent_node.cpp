#include "agent_node.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "throng/common/exit_codes.hpp"
#include "throng/common/fd_limit.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"
#include "throng/common/metrics.hpp"
#include "virtual_user.hpp"

namespace throng::agent {

namespace {
constexpr std::int64_t report_interval_ns = 1'000'000'000;

std::int64_t cpu_time_ns() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ns = [](const timeval& tv) { return static_cast<std::int64_t>(tv.tv_sec) * 1'000'000'000 + tv.tv_usec * 1000; };
  return ns(usage.ru_utime) + ns(usage.ru_stime);
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  error_code ec;
  const auto address = net::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}
}  // namespace

bool target_allowed(const agent_config& config, const std::string& host) {
  if (is_loopback_host(host)) return true;
  return std::find(config.allowed_targets.begin(), config.allowed_targets.end(), host) != config.allowed_targets.end();
}

agent_node::agent_node(agent_config config) : config_(std::move(config)) {
  const unsigned n = config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) workers_.push_back(std::make_unique<worker>(i));
  spares_.resize(n);
}

agent_node::~agent_node() {
  for (auto& w : workers_) w->stop_thread();
}

int agent_node::run() {
  for (auto& w : workers_) w->start_thread();
  if (config_.metrics_port) {
    open_acceptor(metrics_acceptor_, config_.metrics_host, config_.metrics_port);
    auto handlers = std::make_shared<http_handlers>();
    handlers->on_request = [this](const http_request& req) {
      if (req.target() == "/metrics") return metrics_response(req, metrics_text());
      return text_response(req, http::status::not_found, "metrics are at /metrics\n");
    };
    net::co_spawn(io_, accept_loop(metrics_acceptor_, handlers),
                  log_exceptions{"metrics listener"});
  }
  net::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](error_code ec, int sig) {
    if (ec) return;
    log_info("signal {}: stopping load and leaving", sig);
    shutdown(exit_aborted);
  });
  net::co_spawn(io_, control_session(), [this](std::exception_ptr e) {
    log_exceptions{"controller link"}(e);
    if (e) exit_code_ = exit_aborted;
  });
  io_.run();
  for (auto& w : workers_) w->stop_thread();
  return exit_code_;
}

net::awaitable<bool> agent_node::connect_to_controller() {
  const auto url = parse_ws_url(config_.controller_url);
  if (!url || url->tls) {
    log_error("--controller '{}' is not a ws://host:port/path URL (wss is not supported yet)", config_.controller_url);
    exit_code_ = exit_bad_input;
    co_return false;
  }
  tcp::resolver resolver(io_);
  const auto deadline = mono_ns() + static_cast<std::int64_t>(config_.controller_timeout_s * 1e9);
  error_code last;
  while (mono_ns() < deadline && !shutting_down_) {
    auto [rec, endpoints] = co_await resolver.async_resolve(url->host, std::to_string(url->port), use_nothrow);
    if (!rec) {
      beast::tcp_stream tcp(io_);
      tcp.expires_after(std::chrono::seconds(5));
      auto [cec, ep] = co_await tcp.async_connect(endpoints, use_nothrow);
      if (!cec) {
        tcp.expires_never();
        ws_stream ws(std::move(tcp));
        ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws.set_option(websocket::stream_base::decorator([token = config_.token](websocket::request_type& req) {
          req.set(http::field::user_agent, "throng-agent");
          if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        }));
        ws.binary(true);
        websocket::response_type response;
        auto [hec] = co_await ws.async_handshake(response, url->host + ":" + std::to_string(url->port), url->path,
                                                 use_nothrow);
        if (!hec) {
          link_ = std::make_shared<ws_channel>(std::move(ws), 256 * 1024 * 1024);
          link_->start();
          co_return true;
        }
        if (response.result() == http::status::unauthorized || response.result() == http::status::forbidden) {
          log_error("controller {} refused the agent token (HTTP {}); pass the controller's agent token with --token",
                    config_.controller_url, response.result_int());
          exit_code_ = exit_bad_input;
          co_return false;
        }
        last = hec;
      } else {
        last = cec;
      }
    } else {
      last = rec;
    }
    net::steady_timer pause(io_, std::chrono::milliseconds(250));
    co_await pause.async_wait(use_nothrow);
  }
  log_error("cannot reach the controller at {}: {} (is `throng run` listening there? check --controller)",
            config_.controller_url, last ? last.message() : "timed out");
  exit_code_ = exit_aborted;
  co_return false;
}

net::awaitable<void> agent_node::control_session() {
  if (!co_await connect_to_controller()) {
    shutdown(exit_code_);
    co_return;
  }
  control::AgentToController hello_message;
  auto* hello = hello_message.mutable_hello();
  hello->set_protocol_version(control::PROTOCOL_VERSION_CURRENT);
  hello->set_agent_id(config_.id);
  hello->set_region(config_.region);
  hello->set_cores(static_cast<std::uint32_t>(workers_.size()));
  hello->set_capacity_users(std::min<std::uint64_t>(config_.capacity_users, raise_open_file_limit()));
  hello->set_version(THRONG_VERSION);
  send(hello_message);
  log_info("agent {} connected to controller {}", config_.id, config_.controller_url);
  net::co_spawn(io_, ping_loop(), net::detached);

  beast::flat_buffer buffer;
  control::ControllerToAgent message;
  for (;;) {
    const auto r = co_await read_message(link_->stream(), buffer, message);
    if (r.ec.category() == frame_category()) {
      log_warn("ignoring a malformed controller message ({})", r.ec.message());
      continue;
    }
    if (r.ec) break;
    handle(message);
    if (shutting_down_) co_return;
  }
  if (shutting_down_) co_return;
  const bool mid_run = state_ == control::AGENT_CONNECTING || state_ == control::AGENT_READY ||
                       state_ == control::AGENT_RUNNING || state_ == control::AGENT_DRAINING;
  if (mid_run) {
    // Never keep loading a target nobody is watching.
    log_warn("lost the controller during a run: stopping the load");
    shutdown(exit_aborted);
  } else {
    log_info("controller closed the link");
    shutdown(exit_code_);
  }
}

net::awaitable<void> agent_node::ping_loop() {
  net::steady_timer timer(io_);
  for (int i = 0; !shutting_down_ && link_ && !link_->closing(); ++i) {
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
    case control::ControllerToAgent::kAdjust:
      log_warn("rate adjustments are not supported by this agent yet; ignoring");
      break;
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
  control::AgentToController message;
  auto* status = message.mutable_status();
  status->set_agent_id(config_.id);
  status->set_state(state);
  status->set_connected_users(ready_users_);
  status->set_failed_users(failed_users_);
  if (auto e = clock_.estimate()) {
    status->set_clock_offset_ns(e->offset_ns);
    status->set_clock_error_ns(e->error_ns);
  }
  status->set_message(std::move(detail));
  send(message);
}

void agent_node::on_plan(const control::Plan& plan) {
  if (run_ && state_ != control::AGENT_DONE && state_ != control::AGENT_FAILED) {
    send_status(control::AGENT_FAILED, "a run is already in progress on this agent");
    return;
  }
  auto run = std::make_shared<run_context>();
  run->plan = plan;
  const auto target = parse_ws_url(plan.target_url());
  if (!target || target->tls) {
    send_status(control::AGENT_FAILED, "target '" + plan.target_url() + "' is not a ws://host:port/path URL");
    return;
  }
  if (!target_allowed(config_, target->host)) {
    send_status(control::AGENT_FAILED, "target host '" + target->host +
                                           "' is not on this agent's allow-list; start the agent with --allow-target " +
                                           target->host);
    return;
  }
  if (plan.rooms() == 0) {
    send_status(control::AGENT_FAILED, "plan has no rooms");
    return;
  }
  error_code ec;
  tcp::resolver resolver(io_);
  const auto results = resolver.resolve(target->host, std::to_string(target->port), ec);
  if (ec) {
    send_status(control::AGENT_FAILED, "cannot resolve target host '" + target->host + "': " + ec.message());
    return;
  }
  for (const auto& r : results) run->endpoints.push_back(r.endpoint());
  run->target = *target;
  run->room_members.assign(plan.rooms(), 0);
  for (std::uint32_t r = 0; r < plan.rooms(); ++r)
    run->room_members[r] = static_cast<std::uint32_t>(plan.total_users() / plan.rooms() + (r < plan.total_users() % plan.rooms() ? 1 : 0));
  if (plan.sends_per_user_per_s() > 0)
    run->send_interval_ns = static_cast<std::int64_t>(std::llround(1e9 / plan.sends_per_user_per_s()));
  if (auto e = clock_.estimate()) run->clock_offset_ns.store(e->offset_ns);
  run_ = run;
  ready_users_ = failed_users_ = 0;
  first_failure_.clear();
  window_.reset();
  stop_at_ns_ = 0;
  send_status(control::AGENT_CONNECTING);
  log_info("plan {}: users {}..{} of {}, {} rooms, target {}", plan.run_id(), plan.first_user(),
           plan.first_user() + plan.user_count(), plan.total_users(), plan.rooms(), plan.target_url());
  if (plan.user_count() == 0) {
    send_status(control::AGENT_READY);
    return;
  }
  for (std::uint64_t i = 0; i < plan.user_count(); ++i) {
    const std::uint64_t user = plan.first_user() + i;
    worker& w = *workers_[i % workers_.size()];
    net::post(w.io, [this, &w, run, user] {
      auto u = std::make_shared<virtual_user>(w, run, user);
      w.users.push_back(u);
      net::co_spawn(w.io,
                    u->run([this](std::string failure) {
                      net::post(io_, [this, failure = std::move(failure)] { on_user_ready(failure); });
                    }),
                    log_exceptions{"virtual user"});
    });
  }
}

void agent_node::on_user_ready(const std::string& failure) {
  if (failure.empty()) {
    ++ready_users_;
  } else {
    ++failed_users_;
    if (first_failure_.empty()) first_failure_ = failure;
  }
  if (!run_ || state_ != control::AGENT_CONNECTING) return;
  if (ready_users_ + failed_users_ < run_->plan.user_count()) return;
  send_status(control::AGENT_READY,
              failed_users_ ? fmt::format("{} users could not connect or join; first failure: {}", failed_users_, first_failure_)
                            : std::string{});
}

void agent_node::on_start(const control::Start& start) {
  if (!run_ || state_ != control::AGENT_READY) {
    send_status(state_, "start ignored: no prepared plan");
    return;
  }
  const std::int64_t offset = run_->clock_offset_ns.load();
  run_->start_local_ns.store(start.start_at_ns() - offset);
  for (auto& w : workers_)
    net::post(w->io, [&w = *w] {
      w.max_loop_lag_ns = 0;  // the connect storm before the start is not the run's lag
      w.start_gate.cancel();
    });
  send_status(control::AGENT_RUNNING);
  net::co_spawn(io_, report_loop(), log_exceptions{"reporter"});
}

void agent_node::on_stop(const control::Stop& stop) {
  log_info("controller asked to stop: {}", stop.reason());
  // Stop sending now; keep listening for the drain so in-flight acks and
  // deliveries of what was already sent are still counted.
  stop_at_ns_ = mono_ns() + std::max<std::int64_t>(0, stop.drain_ns());
  if (run_) run_->stopping.store(true);
  if (report_timer_) report_timer_->cancel();
  if (state_ == control::AGENT_CONNECTING || state_ == control::AGENT_READY) {
    close_users();
    send_status(control::AGENT_DONE, "stopped before start");
  }
}

net::awaitable<void> agent_node::report_loop() {
  auto run = run_;
  const std::int64_t start = run->start_local_ns.load();
  const std::int64_t end = start + run->plan.duration_ns() + run->plan.drain_ns();
  std::int64_t cpu_before = cpu_time_ns(), wall_before = mono_ns();
  report_timer_.emplace(io_);
  for (std::uint64_t window = 0;;) {
    const std::int64_t last = stop_at_ns_ ? std::min(end, stop_at_ns_) : end;
    const std::int64_t due = std::min(last, start + static_cast<std::int64_t>(window + 1) * report_interval_ns);
    report_timer_->expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
    co_await report_timer_->async_wait(use_nothrow);
    if (mono_ns() < due && !shutting_down_) continue;  // woken early by a Stop: recompute the deadline
    const bool final = shutting_down_ || mono_ns() >= last;
    if (mono_ns() >= start + run->plan.duration_ns() && state_ == control::AGENT_RUNNING)
      send_status(control::AGENT_DRAINING);
    if (final) run->stopping.store(true);

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
    report->set_active_users(window_active_users_);
    report->set_loop_lag_ms(static_cast<double>(window_loop_lag_ns_) / 1e6);
    // Normalised per worker thread: 100 means every worker was busy all the time.
    report->set_cpu_percent(100.0 * static_cast<double>(cpu_now - cpu_before) /
                            static_cast<double>(std::max<std::int64_t>(1, wall_now - wall_before)) /
                            static_cast<double>(workers_.size()));
    report->set_final(final);
    send(message);
    totals_.merge(window_.counters);
    cpu_before = cpu_now;
    wall_before = wall_now;
    ++window;
    if (final) break;
  }
  close_users();
  send_status(control::AGENT_DONE);
  report_timer_.reset();
}

void agent_node::collect(std::function<void()> done) {
  window_.reset();
  window_loop_lag_ns_ = 0;
  window_active_users_ = 0;
  auto pending = std::make_shared<std::size_t>(workers_.size());
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    worker& w = *workers_[i];
    run_stats& spare = spares_[i];
    spare.reset();
    net::post(w.io, [this, &w, &spare, pending, done] {
      w.stats.swap(spare);  // O(1): the worker keeps recording into the fresh one
      const auto lag = std::exchange(w.max_loop_lag_ns, 0);
      const auto active = w.active_users;
      net::post(io_, [this, &spare, lag, active, pending, done] {
        window_.merge(spare);
        window_loop_lag_ns_ = std::max(window_loop_lag_ns_, lag);
        window_active_users_ += active;
        if (--*pending == 0) done();
      });
    });
  }
}

void agent_node::close_users() {
  for (auto& w : workers_) {
    net::post(w->io, [&w = *w] {
      for (auto& u : w.users) u->close();
      w.users.clear();
      w.start_gate.cancel();
      w.start_gate.expires_at(net::steady_timer::time_point::max());
    });
  }
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
      {"throng_agent_errors_total", "errors", metric_kind::counter, static_cast<double>(totals_.errors)},
      {"throng_agent_connected_users", "users connected in the current run", metric_kind::gauge, static_cast<double>(ready_users_)},
  };
  if (auto e = clock_.estimate()) {
    values.push_back({"throng_agent_clock_offset_seconds", "controller clock minus agent clock", metric_kind::gauge, static_cast<double>(e->offset_ns) / 1e9});
    values.push_back({"throng_agent_clock_error_seconds", "bound on the clock offset error", metric_kind::gauge, static_cast<double>(e->error_ns) / 1e9});
  }
  return prometheus_text(values);
}

int run_agent(const agent_config& config) {
  agent_config c = config;
  if (c.id.empty()) {
    char host[256] = "agent";
    gethostname(host, sizeof host - 1);
    c.id = std::string(host) + "-" + std::to_string(getpid());
  }
  agent_node node(std::move(c));
  return node.run();
}

}  // namespace throng::agent
