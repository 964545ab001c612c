#pragma once
// The server's accept loop: takes every pending connection with accept4
// (non-blocking from the start; TCP_NODELAY is inherited from the listening
// socket) and hands each to a shard's request reader, round-robin, posting to
// shards on other threads. Runs on the acceptor's own loop.

#include <cstddef>
#include <functional>

#include "throng/common/net.hpp"

namespace throng::server {

class listener {
 public:
  // `take(fd)` runs on the acceptor's thread for every accepted connection.
  listener(tcp::acceptor& acceptor, std::function<void(int fd)> take);
  // Accepts until the acceptor is closed.
  void start();

 private:
  void wait();
  void accept_pending();

  tcp::acceptor& acceptor_;
  std::function<void(int)> take_;
  net::steady_timer pause_;
};

}  // namespace throng::server
