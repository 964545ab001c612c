// libFuzzer target for the bytes a client sends on its WebSocket after the
// upgrade: the server's own connection reads them from a real socket (one
// end of a socket pair), in two pieces split where the input says, and must
// neither crash nor misbehave under the sanitizers, whatever the frames.
// Build: cmake -DTHRONG_FUZZ=ON with clang (see `make fuzz`).

#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "server_metrics.hpp"
#include "ws_connection.hpp"

using namespace throng;
using namespace throng::server;

namespace {

struct sink : ws_events {
  std::size_t bytes = 0;
  bool ended = false;
  void on_message(std::string_view payload, bool) override {
    for (char c : payload) bytes += static_cast<unsigned char>(c);  // every byte of a message is readable
  }
  void on_end(ws_end) override { ended = true; }
};

const http_request& upgrade() {
  static const http_request request = [] {
    http_request req{http::verb::get, "/ws", 11};
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(http::field::sec_websocket_version, "13");
    return req;
  }();
  return request;
}

void drain(int fd) {
  char buf[65536];
  while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {}
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static net::io_context io{1};
  static shard_metrics metrics;
  static ws_outbox outbox(io, metrics);
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
  sink events;
  {
    auto connection = std::make_shared<ws_connection>(fds[0], outbox,
                                                      ws_limits{.max_queued_bytes = 1 << 20, .max_message_bytes = 8192});
    if (!connection->accept(upgrade(), &events)) std::abort();
    const std::size_t split = size ? data[0] % (size + 1) : 0;
    const auto feed = [&](const std::uint8_t* p, std::size_t n) {
      if (n && ::send(fds[1], p, n, MSG_NOSIGNAL) < 0) {}
      for (int i = 0; i < 4; ++i) {
        io.restart();
        io.poll();
        drain(fds[1]);  // the 101, pongs and closes the server writes back
      }
    };
    feed(data, split);
    feed(data + split, size - split);
    ::shutdown(fds[1], SHUT_WR);  // the client's end: the connection must finish
    for (int i = 0; i < 100 && !events.ended; ++i) feed(nullptr, 0);
    if (!events.ended) std::abort();
  }
  ::close(fds[1]);
  io.restart();
  io.poll();
  return 0;
}
