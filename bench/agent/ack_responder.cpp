// A WebSocket peer of known timing for measuring the agent itself: it speaks
// just enough of the chat protocol (welcome, empty histories) and answers
// every send with its ack at once, from the same read, with no store and no
// fan-out. It uses the server's own connection (corked writes, one io_uring
// submission per loop turn), so it costs the agent's measurements as little
// as a peer here can. Whatever latency the agent records against it beyond
// the loopback round trip is the agent's own. With --echo it also sends each
// message back right behind its ack, in the same write (a room of one), so
// that every ack arrives with another message after it in one read.
//
//   ack_responder --port 9921 [--echo]
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "chat.pb.h"
#include "server_metrics.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/http_server.hpp"
#include "ws_connection.hpp"

using namespace throng;
using namespace throng::server;

namespace {

class responder : public ws_events, public std::enable_shared_from_this<responder> {
 public:
  responder(std::unordered_set<std::shared_ptr<responder>>& all, bool echo) : all_(all), echo_(echo) {}

  bool start(tcp::socket socket, const http_request& request, ws_outbox& outbox) {
    error_code ec;
    const int fd = socket.release(ec);  // the connection waits on its shard's own epoll set
    if (ec) return false;
    connection_ = std::make_shared<ws_connection>(fd, outbox, ws_limits{});
    return connection_->accept(request, this);
  }

  void on_message(std::string_view payload, bool text) override {
    if (decode_frame(payload, text ? wire_format::json : wire_format::binary, in_)) return;
    out_.Clear();
    if (in_.has_hello()) {
      out_.mutable_welcome()->set_user("bench");
      out_.mutable_welcome()->set_can_send(true);
    } else if (in_.has_join()) {
      out_.mutable_history()->set_room(in_.join().room());
    } else if (in_.has_send()) {
      const auto& send = in_.send();
      const std::uint64_t seq = echo_ ? ++room_seqs_[send.room()] : ++seq_;
      auto* ack = out_.mutable_ack();
      ack->set_client_seq(send.client_seq());
      ack->set_seq(seq);
      ack->set_room(send.room());
      connection_->send(server::make_payload(out_.SerializeAsString()));
      if (!echo_) return;
      auto* message = out_.mutable_message();
      message->set_room(send.room());
      message->set_seq(seq);
      message->set_sender("bench");
      message->set_body(send.body());
      message->set_sent_at_ns(send.sent_at_ns());
      message->set_dup_factor(send.dup_factor());
    } else {
      return;
    }
    connection_->send(server::make_payload(out_.SerializeAsString()));
  }

  void on_end(ws_end) override { all_.erase(shared_from_this()); }

 private:
  std::unordered_set<std::shared_ptr<responder>>& all_;
  std::shared_ptr<ws_connection> connection_;
  chat::ClientFrame in_;
  chat::ServerFrame out_;
  std::uint64_t seq_ = 0;
  bool echo_;
  std::unordered_map<std::string, std::uint64_t> room_seqs_;  // with --echo: a room's seq counts its messages
};

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 9921;
  bool io_uring = true;
  bool echo = false;
  CLI::App app{"ack_responder: answers every chat send with an ack at once (agent benchmarks)"};
  app.add_option("--port", port, "listen on 127.0.0.1:port")->capture_default_str();
  app.add_flag("!--no-io-uring", io_uring, "write each connection with its own system call");
  app.add_flag("--echo", echo, "also send each message back right behind its ack, in the same write");
  CLI11_PARSE(app, argc, argv);
  net::io_context io{1};
  shard_metrics metrics;
  ws_outbox outbox(io, metrics);
  std::string why;
  if (io_uring && !outbox.use_io_uring(why)) std::cerr << "ack_responder: no io_uring (" << why << ")\n";
  std::unordered_set<std::shared_ptr<responder>> responders;
  tcp::acceptor acceptor(io);
  open_acceptor(acceptor, "127.0.0.1", port);
  auto handlers = std::make_shared<http_handlers>();
  handlers->accepts_upgrade = [](const http_request&) { return true; };
  handlers->on_upgrade = [&](beast::tcp_stream stream, http_request request) -> net::awaitable<void> {
    auto r = std::make_shared<responder>(responders, echo);
    if (r->start(stream.release_socket(), request, outbox)) responders.insert(r);
    co_return;
  };
  net::co_spawn(io, accept_loop(acceptor, handlers), net::detached);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code, int) { io.stop(); });
  io.run();
}
