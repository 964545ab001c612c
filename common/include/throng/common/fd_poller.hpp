#pragma once
// Readiness for sockets a loop owns outright, without a system call per wait.
// Asio's reactor re-arms a descriptor with epoll_ctl on every wait that is
// not speculative (async_wait), which is one extra call per message for a
// connection read on readiness. Here each socket joins an epoll set of the
// loop's own once, edge-triggered for reading and writing, and the set itself
// is the one descriptor the io_context waits on: when it is readable, one
// epoll_wait collects every ready socket and their watchers run.
// Used on its loop's thread only.

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio { class io_context; }

namespace throng {

// Told the epoll bits (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR) of
// each edge. Edge-triggered: a watcher reads until the kernel has no more
// (or reschedules itself), and writes until it would block.
class fd_watcher {
 public:
  virtual void on_ready(std::uint32_t events) = 0;

 protected:
  ~fd_watcher() = default;
};

class fd_poller {
 public:
  explicit fd_poller(boost::asio::io_context& io);
  ~fd_poller();
  fd_poller(const fd_poller&) = delete;
  fd_poller& operator=(const fd_poller&) = delete;

  // Reports fd's edges to `watcher` from now on: adds fd to the set (one
  // epoll_ctl), or for a parked descriptor only points its edges here. False,
  // with errno set, when the kernel refuses.
  bool watch(int fd, fd_watcher* watcher);
  // Keeps fd in the set but drops its edges until the next watch(), for a
  // descriptor passing from one watcher to another.
  void park(int fd);
  // Stops reporting fd (edges already collected are dropped too). Closing fd
  // then takes it out of the set; `unregister` does so now, for a descriptor
  // that lives on elsewhere. A watcher that closes its descriptor while the
  // loop runs forgets it first; one destroyed after its loop stopped (its
  // owner going away) only closes it.
  void forget(int fd, bool unregister = false);

 private:
  struct impl;
  void arm();
  void dispatch();

  std::unique_ptr<impl> impl_;
  std::vector<fd_watcher*> watchers_;  // by descriptor
  std::vector<epoll_event> ready_;
};

// What one edge's reads found.
enum class edge_outcome {
  drained,        // the kernel has no more: the next arrival is a new edge
  more_waiting,   // max_reads reads taken and more may wait; no edge will say so
  end_of_stream,  // the peer closed, or the connection broke
  stopped,        // on_bytes said stop (the connection went away)
};

// Reads one edge of an edge-triggered socket into `buffer` (shared by the
// loop's sockets): until a short read drains it (unless `to_end`: the peer's
// end is already here, so read until it), or `max_reads` reads. Each read's
// bytes go to `on_bytes(data, n)`, which returns false to stop. A read is
// `receive(fd, data, size)`, a non-blocking recv() unless given.
template <class OnBytes, class Receive>
edge_outcome read_edge(int fd, std::string& buffer, bool to_end, int max_reads, OnBytes&& on_bytes, Receive&& receive) {
  for (int turn = 0; turn < max_reads;) {
    const ssize_t got = receive(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return edge_outcome::drained;
    if (got <= 0) return edge_outcome::end_of_stream;
    const auto n = static_cast<std::size_t>(got);
    if (!on_bytes(buffer.data(), n)) return edge_outcome::stopped;
    if (n < buffer.size() && !to_end) return edge_outcome::drained;
    ++turn;
  }
  return edge_outcome::more_waiting;
}

template <class OnBytes>
edge_outcome read_edge(int fd, std::string& buffer, bool to_end, int max_reads, OnBytes&& on_bytes) {
  return read_edge(fd, buffer, to_end, max_reads, on_bytes,
                   [](int s, char* data, std::size_t size) { return ::recv(s, data, size, MSG_DONTWAIT); });
}

// Parses a read's bytes after the unfinished frame kept from earlier reads:
// in place when nothing was kept (no copy), else joined to it; keeps what
// `parse(data, size)` did not use. Returns parse's result (-1: refused).
template <class Parse>
std::ptrdiff_t parse_after(std::string& partial, char* data, std::size_t n, Parse&& parse) {
  if (partial.empty()) {
    const std::ptrdiff_t used = parse(data, n);
    if (used >= 0) partial.assign(data + used, n - static_cast<std::size_t>(used));
    return used;
  }
  partial.append(data, n);
  const std::ptrdiff_t used = parse(partial.data(), partial.size());
  if (used >= 0) partial.erase(0, static_cast<std::size_t>(used));
  return used;
}

}  // namespace throng
