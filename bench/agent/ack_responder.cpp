// A WebSocket peer of known timing for measuring the agent itself: it speaks
// just enough of the chat protocol (welcome, empty histories) and answers
// every send with its ack at once, from the same read, with no store and no
// fan-out. Whatever latency the agent records against it beyond the loopback
// round trip is the agent's own.
//
//   ack_responder --port 9921
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "chat.pb.h"
#include "throng/common/frame_codec.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/ws_channel.hpp"

using namespace throng;

namespace {

net::awaitable<void> serve(beast::tcp_stream stream, http_request request) {
  ws_stream ws(std::move(stream));
  ws.binary(true);
  auto [aec] = co_await ws.async_accept(request, use_nothrow);
  if (aec) co_return;
  beast::flat_buffer buffer;
  chat::ClientFrame in;
  chat::ServerFrame out;
  std::string wire;
  std::uint64_t seq = 0;
  for (;;) {
    const auto r = co_await read_message(ws, buffer, in);
    if (r.ec) co_return;
    out.Clear();
    if (in.has_hello()) {
      out.mutable_welcome()->set_user("bench");
      out.mutable_welcome()->set_can_send(true);
    } else if (in.has_join()) {
      out.mutable_history()->set_room(in.join().room());
    } else if (in.has_send()) {
      auto* ack = out.mutable_ack();
      ack->set_client_seq(in.send().client_seq());
      ack->set_seq(++seq);
      ack->set_room(in.send().room());
    } else {
      continue;
    }
    wire.clear();
    out.SerializeToString(&wire);
    auto [wec, n] = co_await ws.async_write(net::buffer(wire), use_nothrow);
    if (wec) co_return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 9921;
  CLI::App app{"ack_responder: answers every chat send with an ack at once (agent benchmarks)"};
  app.add_option("--port", port, "listen on 127.0.0.1:port")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  net::io_context io{1};
  tcp::acceptor acceptor(io);
  open_acceptor(acceptor, "127.0.0.1", port);
  auto handlers = std::make_shared<http_handlers>();
  handlers->accepts_upgrade = [](const http_request&) { return true; };
  handlers->on_upgrade = serve;
  net::co_spawn(io, accept_loop(acceptor, handlers), net::detached);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code, int) { io.stop(); });
  io.run();
}
