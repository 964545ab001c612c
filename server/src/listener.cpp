#include "listener.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "throng/common/log.hpp"

namespace throng::server {
namespace {
constexpr int accepts_per_turn = 64;  // then the loop's other handlers get their turn
}

listener::listener(tcp::acceptor& acceptor, std::function<void(int fd)> take)
    : acceptor_(acceptor), take_(std::move(take)), pause_(acceptor.get_executor()) {}

void listener::start() {
  error_code ec;
  acceptor_.non_blocking(true, ec);  // accept4 must not block the loop
  if (ec) log_warn("cannot make the listening socket non-blocking: {}", ec.message());
  wait();
}

void listener::wait() {
  acceptor_.async_wait(tcp::acceptor::wait_read, [this](error_code ec) {
    if (ec || !acceptor_.is_open()) return;  // closed: the server is stopping
    accept_pending();
  });
}

void listener::accept_pending() {
  for (int i = 0; i < accepts_per_turn; ++i) {
    const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      take_(fd);
      continue;
    }
    const int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;  // that one is gone; take the next
    // EMFILE and friends: back off instead of spinning.
    log_warn("accept failed: {}", std::strerror(err));
    pause_.expires_after(std::chrono::milliseconds(50));
    pause_.async_wait([this](error_code ec) {
      if (!ec) wait();
    });
    return;
  }
  wait();
}

}  // namespace throng::server
