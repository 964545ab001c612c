#pragma once
// Many sockets' sendmsg calls in one system call (io_uring), for the
// server's corked writes and the agent's sends of one loop turn. Each is
// non-blocking (MSG_DONTWAIT), so the kernel runs it within the submission
// and answers at once: bytes written, or -EAGAIN when the socket is full.

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct io_uring;

namespace throng {

class uring_writer {
 public:
  // Null, with the kernel's reason in `why`, when no ring can be set up
  // (io_uring disabled by sysctl or a sandbox).
  static std::unique_ptr<uring_writer> open(unsigned entries, std::string& why);
  ~uring_writer();
  uring_writer(const uring_writer&) = delete;
  uring_writer& operator=(const uring_writer&) = delete;

  unsigned capacity() const noexcept { return entries_; }
  // `message` must stay valid until submit() returns.
  void add_sendmsg(int fd, const msghdr* message, std::uint64_t index);
  // Submits what was added and collects every answer: results[index] is the
  // bytes written or -errno. Returns the system calls it took. When the
  // kernel refuses the submission, answers stay as the caller preset them
  // and failed() is true: the ring must not be used again.
  unsigned submit(std::vector<long>& results);
  bool failed() const noexcept { return failed_; }

 private:
  uring_writer(std::unique_ptr<io_uring> ring, unsigned entries);
  std::unique_ptr<io_uring> ring_;
  unsigned entries_;
  unsigned pending_ = 0;
  bool failed_ = false;
};

}  // namespace throng
