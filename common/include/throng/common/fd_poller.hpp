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

#include <cstdint>
#include <memory>
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

}  // namespace throng
