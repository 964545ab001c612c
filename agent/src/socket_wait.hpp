#pragma once
// A coroutine's wait for a socket's edges on the worker's epoll set, with a
// deadline: for the HTTP upgrade of a freshly connected socket, which then
// stays in that set for the life of the connection (no move from Asio's
// reactor after the upgrade, no buffer or stream of Beast's). Used on the
// worker's thread only.

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "throng/common/clock.hpp"
#include "throng/common/fd_poller.hpp"
#include "throng/common/net.hpp"

namespace throng::agent {

// Ends a connection attempt that failed: out of the set, and closed with a
// reset, so the attempt keeps no local port in TIME_WAIT. In a connect storm
// those ports would lengthen the kernel's search for a free one on every
// later connect to the same target.
inline void drop_attempt(fd_poller& poller, int fd) {
  poller.forget(fd);
  const linger abort_on_close{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  ::close(fd);
}

class socket_wait final : public fd_watcher {
 public:
  // Watches `fd` from now on; ok() says whether the kernel took it.
  socket_wait(fd_poller& poller, net::io_context& io, int fd)
      : poller_(poller), fd_(fd), timer_(io), ok_(poller.watch(fd, this)) {}
  // Leaves the socket in the set for its next watcher (or forget() and close it first).
  ~socket_wait() { poller_.park(fd_); }
  socket_wait(const socket_wait&) = delete;
  socket_wait& operator=(const socket_wait&) = delete;

  bool ok() const noexcept { return ok_; }
  // The edges seen since the last call, after waiting for one until
  // `deadline` (mono_ns) if none came yet; 0 when the deadline passed first.
  net::awaitable<std::uint32_t> next(std::int64_t deadline) {
    while (events_ == 0 && mono_ns() < deadline) {
      timer_.expires_at(steady_at(deadline));
      co_await timer_.async_wait(use_nothrow);  // on_ready cancels it
    }
    const std::uint32_t seen = events_;
    events_ = 0;
    co_return seen;
  }

 private:
  void on_ready(std::uint32_t events) override {
    events_ |= events;
    timer_.cancel();
  }

  fd_poller& poller_;
  int fd_;
  net::steady_timer timer_;
  std::uint32_t events_ = 0;
  bool ok_;
};

}  // namespace throng::agent
