#pragma once
// Plain loopback TCP for the benchmarks that measure the kernel's own floor
// (agent/echo_floor, server/fanout_floor): nothing of Throng's, so that what
// they measure is the kernel alone.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bare_tcp {

[[noreturn]] inline void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

inline sockaddr_in loopback(int port) {
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(static_cast<std::uint16_t>(port));
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return at;
}

inline void no_delay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A listening socket on 127.0.0.1:port (`flags`: e.g. SOCK_NONBLOCK).
inline int listen_on(int port, int flags = 0) {
  const int fd = socket(AF_INET, SOCK_STREAM | flags, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in at = loopback(port);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) || listen(fd, 4096)) fail("listen on 127.0.0.1:" + std::to_string(port));
  return fd;
}

// A blocking connection to 127.0.0.1:port with TCP_NODELAY, retried for up
// to `wait_ms` while nothing listens yet (a peer still starting).
inline int connect_to(int port, int wait_ms = 0) {
  const sockaddr_in at = loopback(port);
  for (int waited = 0;; waited += 50) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0) {
      no_delay(fd);
      return fd;
    }
    const int why = errno;
    close(fd);
    errno = why;
    if (why != ECONNREFUSED || waited >= wait_ms) fail("connect to 127.0.0.1:" + std::to_string(port));
    usleep(50'000);
  }
}

}  // namespace bare_tcp
