#include "control_swarm.hpp"

#include <fmt/format.h>

#include "control.pb.h"
#include "throng/common/clock.hpp"
#include "throng/common/fd_limit.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/net.hpp"
#include "throng/common/run_stats.hpp"
#include "throng/common/ws_channel.hpp"

namespace throng::test {

namespace {

net::awaitable<void> swarm_agent(unsigned short port, std::string token, unsigned index, swarm_result& result) {
  auto executor = co_await net::this_coro::executor;
  beast::tcp_stream tcp(executor);
  auto [cec] = co_await tcp.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), use_nothrow);
  if (cec) co_return;
  ws_stream ws(std::move(tcp));
  ws.set_option(websocket::stream_base::decorator(
      [token](websocket::request_type& req) { req.set(http::field::authorization, "Bearer " + token); }));
  ws.binary(true);
  auto [hec] = co_await ws.async_handshake("127.0.0.1:" + std::to_string(port), "/agents", use_nothrow);
  if (hec) co_return;
  ++result.connected;
  auto channel = std::make_shared<ws_channel>(std::move(ws), 16 * 1024 * 1024);
  channel->start();
  const auto send = [&](const control::AgentToController& m) { channel->send(encode_frame(m, wire_format::binary)); };

  const std::string id = fmt::format("swarm-{:04}", index);
  control::AgentToController hello;
  hello.mutable_hello()->set_protocol_version(control::PROTOCOL_VERSION_CURRENT);
  hello.mutable_hello()->set_agent_id(id);
  hello.mutable_hello()->set_region(index % 2 ? "odd" : "even");
  hello.mutable_hello()->set_cores(1);
  hello.mutable_hello()->set_capacity_users(5);
  send(hello);

  control::Plan plan;
  beast::flat_buffer buffer;
  control::ControllerToAgent message;
  net::steady_timer timer(executor);
  for (;;) {
    const auto r = co_await read_message(channel->stream(), buffer, message);
    if (r.ec) break;
    if (message.has_plan()) {
      plan = message.plan();
      ++result.planned;
      result.users += plan.user_count();
      control::AgentToController status;
      status.mutable_status()->set_agent_id(id);
      status.mutable_status()->set_state(control::AGENT_READY);
      status.mutable_status()->set_connected_users(static_cast<std::uint32_t>(plan.user_count()));
      send(status);
    } else if (message.has_start()) {
      // One host, one monotonic clock: the controller's start instant is ours.
      const std::int64_t start = message.start().start_at_ns();
      const std::uint64_t windows = static_cast<std::uint64_t>(plan.duration_ns() / 1'000'000'000);
      // Every window reports the same figures: encode them once (a run_stats is large).
      control::AgentToController report;
      auto* rep = report.mutable_report();
      rep->set_agent_id(id);
      rep->set_active_users(static_cast<std::uint32_t>(plan.user_count()));
      {
        run_stats stats;
        stats.counters.sent = plan.user_count();
        stats.counters.acked = plan.user_count();
        stats.e2e.record(1'000'000 + static_cast<std::int64_t>(index) * 1000, plan.user_count());
        stats.to_proto(*rep->mutable_counters(), *rep->mutable_latencies());
      }
      for (std::uint64_t w = 0; w < windows; ++w) {
        timer.expires_at(steady_at(start + static_cast<std::int64_t>(w + 1) * 1'000'000'000));
        co_await timer.async_wait(use_nothrow);
        rep->set_window(w);
        rep->set_final(w + 1 == windows);
        send(report);
      }
      ++result.finished;
    }
  }
  channel->close(websocket::close_code::normal, "done");
}

}  // namespace

swarm_result run_control_swarm(unsigned short port, const std::string& token, unsigned agents, double timeout_s) {
  raise_open_file_limit();
  swarm_result result;
  net::io_context io{1};
  for (unsigned i = 0; i < agents; ++i) net::co_spawn(io, swarm_agent(port, token, i, result), net::detached);
  io.run_for(std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000)));
  return result;
}

}  // namespace throng::test
