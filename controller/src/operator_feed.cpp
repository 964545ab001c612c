// The operator port: a separate listener (so a firewall can treat panels and
// agents apart) where panels connect to /operators with their own token.
// They get a RunSnapshot each second (and on connecting) and may adjust the
// load or stop the run.

#include <fmt/format.h>

#include <cmath>

#include "coordinator.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/exit_codes.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"
#include "throng/common/units.hpp"

namespace throng::controller {

namespace {

// The scenario's timeline as marks a panel draws: each group's stages, the
// events and the drain.
void add_timeline(const scenario& sc, control::RunSnapshot& snap) {
  const auto mark = [&](std::int64_t at, std::int64_t length, std::string lane, std::string label) {
    auto* m = snap.add_timeline();
    m->set_at_ns(at);
    m->set_length_ns(length);
    m->set_lane(std::move(lane));
    m->set_label(std::move(label));
  };
  for (const auto& g : sc.groups) {
    const char* unit = g.open_model() ? "arrivals/s" : "users";
    if (g.stages.empty()) {
      mark(g.start_ns, g.duration_ns, g.tag(), fmt::format("{} {}", g.users, unit));
      continue;
    }
    std::int64_t at = g.start_ns;
    for (const auto& st : g.stages) {
      mark(at, st.duration_ns, g.tag(), fmt::format("to {} {}", format_count(st.target), unit));
      at += st.duration_ns;
    }
  }
  for (const auto& e : sc.events) {
    switch (e.what) {
      case timeline_event::kind::burst: mark(e.at_ns, e.length_ns, "events", fmt::format("burst x{:g}", e.multiplier)); break;
      case timeline_event::kind::pause: mark(e.at_ns, e.length_ns, "events", "pause"); break;
      case timeline_event::kind::reconnect_storm:
        mark(e.at_ns, e.storm.window_ns(), "events", fmt::format("reconnect storm {:.0f}%", e.storm.fraction() * 100));
        break;
    }
  }
  mark(sc.end_ns(), sc.drain_ns(), "events", "drain");
}

// Only what the panel's histograms show, to keep per-region snapshots small.
void region_latencies_to_proto(const run_stats& stats, stats::Latencies& out) {
  stats.connect.to_proto(*out.mutable_connect());
  stats.ack.to_proto(*out.mutable_ack());
  stats.e2e.to_proto(*out.mutable_e2e());
}

}  // namespace

void coordinator::open_operator_port() {
  open_acceptor(operator_acceptor_, options_.listen_host, options_.operator_port);
  auto handlers = std::make_shared<http_handlers>();
  handlers->on_request = [](const http_request& req) {
    return text_response(req, http::status::not_found, "panels connect to the WebSocket /operators\n");
  };
  handlers->accepts_upgrade = [](const http_request& req) { return req.target() == "/operators"; };
  handlers->on_upgrade = [this](beast::tcp_stream stream, http_request req) {
    return serve_operator(std::move(stream), std::move(req));
  };
  net::co_spawn(io_, accept_loop(operator_acceptor_, handlers), log_exceptions{"operator listener"});
  log_info("operators (panels) connect to ws://{}:{}/operators", options_.listen_host,
           operator_acceptor_.local_endpoint().port());
}

std::string coordinator::phase() const {
  if (!scenario_loaded_) return "waiting";  // for an operator to start a scenario
  if (!aggregator_) return "connecting";
  if (!running_) return started_at_ ? "done" : "connecting";
  return mono_ns() < started_at_ + scenario_.end_ns() && !stop_sent_ ? "running" : "draining";
}

void coordinator::publish_snapshot(const interval_view* last) {
  if (operators_.empty()) return;
  control::ControllerToOperator message;
  auto* snap = message.mutable_snapshot();
  snap->set_run_id(run_id_);
  snap->set_phase(phase());
  snap->set_elapsed_ns(started_at_ ? mono_ns() - started_at_ : 0);
  snap->set_rate_multiplier(rate_multiplier_);
  for (const auto& p : problems_) snap->add_problems(p);
  if (scenario_loaded_) {
    snap->set_scenario(scenario_.name);
    snap->set_duration_ns(scenario_.end_ns());
    add_timeline(scenario_, *snap);
  }
  if (aggregator_) {
    aggregator_->total().to_proto(*snap->mutable_total(), *snap->mutable_total_latencies());
    snap->set_windows_complete(aggregator_->windows_closed());
    if (const auto it = aggregator_->tags().find("region"); it != aggregator_->tags().end())
      for (const auto& [region, stats] : it->second) {
        auto* r = snap->add_regions();
        r->set_region(region);
        region_latencies_to_proto(stats, *r->mutable_total());
      }
  }
  if (last) last->stats.to_proto(*snap->mutable_last_second(), *snap->mutable_last_second_latencies());
  for (const auto& t : live_thresholds_) {
    auto* row = snap->add_thresholds();
    row->set_name(t.spec.name());
    row->set_value(t.shown);
    row->set_passed(t.passed);
    row->set_evaluated(t.evaluated);
    row->set_abort_on_fail(t.spec.abort_on_fail);
  }
  for (const auto& a : run_agents_) {
    auto* row = snap->add_agents();
    *row->mutable_status() = a->status;
    row->set_region(a->hello.region());
    row->set_group(scenario_.groups[a->group].tag());
    row->set_planned_users(a->share.user_count);
    row->set_active_users(a->active_users);
    row->set_sends_per_s(a->sends_per_s);
    row->set_loop_lag_ms(a->loop_lag_ms);
    row->set_cpu_percent(a->cpu_percent);
  }
  const auto frame = encode_frame(message, wire_format::binary);
  std::erase_if(operators_, [&](const auto& o) { return !o->send(frame); });
}

net::awaitable<void> coordinator::serve_operator(beast::tcp_stream stream, http_request request) {
  auto channel = co_await accept_with_token(
      std::move(stream), request, options_.operator_token,
      "missing or wrong operator token: give the panel the controller's --operator-token\n", 1024 * 1024);
  if (!channel) co_return;

  beast::flat_buffer buffer;
  control::OperatorToController message;
  bool greeted = false;
  for (;;) {
    const auto r = co_await read_message(channel->stream(), buffer, message);
    if (r.ec.category() == frame_category()) {
      log_warn("malformed message from an operator: {}", r.ec.message());
      continue;
    }
    if (r.ec) break;
    if (!greeted) {
      if (!message.has_hello() || message.hello().protocol_version() != control::PROTOCOL_VERSION_CURRENT) {
        control::ControllerToOperator refused;
        refused.mutable_refused()->set_reason(fmt::format(
            "the first message must be an operator hello with protocol version {}: run the same Throng version",
            static_cast<int>(control::PROTOCOL_VERSION_CURRENT)));
        channel->send(encode_frame(refused, wire_format::binary));
        channel->close(websocket::close_code::policy_error, "refused");
        co_return;
      }
      greeted = true;
      log_info("operator {} connected", message.hello().client());
      operators_.push_back(channel);
      publish_snapshot(nullptr);
      continue;
    }
    if (message.has_command()) on_operator_command(message.command(), *channel);
  }
  std::erase(operators_, channel);
}

void coordinator::on_operator_command(const control::OperatorCommand& command, ws_channel& from) {
  control::ControllerToOperator refused;
  const auto refuse = [&](const std::string& why) {
    refused.mutable_refused()->set_reason(why);
    from.send(encode_frame(refused, wire_format::binary));
  };
  switch (command.kind_case()) {
    case control::OperatorCommand::kAdjust: {
      if (!running_) return refuse("the run has not started (or is over): nothing to adjust");
      const auto& a = command.adjust();
      if (!(a.rate_multiplier() >= 0) || !std::isfinite(a.rate_multiplier()))
        return refuse("rate_multiplier must be a positive factor (0 leaves the rate unchanged)");
      if (!(a.storm().fraction() >= 0 && a.storm().fraction() <= 1))
        return refuse("a reconnect storm's fraction is a share of the users, from 0 to 1");
      if (a.rate_multiplier() > 0) rate_multiplier_ = a.rate_multiplier();
      control::ControllerToAgent message;
      *message.mutable_adjust() = command.adjust();
      for (auto& a : run_agents_)
        if (a->connected) send_to(*a, message);
      log_info("operator adjusted the run (rate x{}, storm {:.0f}%, pause {})", command.adjust().rate_multiplier(),
               command.adjust().storm().fraction() * 100, control::Adjust::Pause_Name(command.adjust().pause()));
      break;
    }
    case control::OperatorCommand::kStop:
      if (stop_sent_ || !aggregator_) return refuse("the run is already stopping");
      abort_run("stopped by an operator" + (command.stop().reason().empty() ? "" : ": " + command.stop().reason()),
                exit_aborted);
      break;
    case control::OperatorCommand::kStartScenarioPath: {
      if (scenario_loaded_)
        return refuse("this controller runs " + scenario_.name + "; one run per controller: start another with `throng run FILE` or `throng serve`");
      auto loaded = load_scenario_file(command.start_scenario_path());
      if (!loaded.value) {
        std::string errors;
        for (const auto& e : loaded.errors) {
          errors += e.str() + "\n";
          auto* p = refused.mutable_refused()->add_problems();
          p->set_file(e.file);
          p->set_line(static_cast<std::uint32_t>(e.line));
          p->set_column(static_cast<std::uint32_t>(e.column));
          p->set_path(e.path);
          p->set_message(e.message);
        }
        return refuse("the scenario is not valid:\n" + errors);
      }
      log_info("operator started {}", command.start_scenario_path());
      set_scenario(std::move(*loaded.value));
      publish_snapshot(nullptr);
      notify();
      break;
    }
    default: refuse("unknown command");
  }
}

}  // namespace throng::controller
