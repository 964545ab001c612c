#pragma once
// Plain loopback TCP, a clock and a latency histogram for the benchmarks that
// measure the kernel's own floor (agent/echo_floor, server/fanout_floor):
// nothing of Throng's, so that what they measure is the kernel alone.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

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

inline std::int64_t mono_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1'000'000'000LL + t.tv_nsec;
}

inline std::int64_t wall_ns() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1'000'000'000LL + t.tv_nsec;
}

inline void sleep_until(std::int64_t mono) {
  const timespec t{static_cast<time_t>(mono / 1'000'000'000), static_cast<long>(mono % 1'000'000'000)};
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr);
}

// Latencies in fixed steps up to steps × step: quantiles without keeping every
// sample. What lies beyond lands in the last step.
struct latency_histogram {
  latency_histogram(std::int64_t step, std::size_t steps) : step_ns(step), counts(steps + 1, 0) {}
  std::int64_t step_ns;
  std::vector<std::uint64_t> counts;
  std::uint64_t total = 0;
  void record(std::int64_t ns) {
    ++counts[static_cast<std::size_t>(std::clamp<std::int64_t>(ns / step_ns, 0, static_cast<std::int64_t>(counts.size() - 1)))];
    ++total;
  }
  double quantile_ms(double p) const {  // the upper bound of the step holding it
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i)
      if ((seen += counts[i]) >= p * static_cast<double>(total) && seen) return static_cast<double>(i + 1) * step_ns / 1e6;
    return 0;
  }
  double percent_within_ms(double ms) const {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size() && static_cast<double>(i + 1) * step_ns <= ms * 1e6; ++i) seen += counts[i];
    return total ? 100.0 * static_cast<double>(seen) / static_cast<double>(total) : 0;
  }
  std::string describe(double within_ms) const {
    char text[200];
    std::snprintf(text, sizeof text, "p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; %.2f %% within %g ms", quantile_ms(0.5),
                  quantile_ms(0.99), quantile_ms(0.999), quantile_ms(1.0), percent_within_ms(within_ms), within_ms);
    return text;
  }
};

}  // namespace bare_tcp
