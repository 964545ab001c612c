#include "throng/common/uring_writer.hpp"

#include <liburing.h>

#include <cstring>

namespace throng {

std::unique_ptr<uring_writer> uring_writer::open(unsigned entries, std::string& why) {
  auto ring = std::make_unique<io_uring>();
  const int rc = io_uring_queue_init(entries, ring.get(), 0);
  if (rc < 0) {
    why = std::strerror(-rc);
    return nullptr;
  }
  return std::unique_ptr<uring_writer>(new uring_writer(std::move(ring), entries));
}

uring_writer::uring_writer(std::unique_ptr<io_uring> ring, unsigned entries) : ring_(std::move(ring)), entries_(entries) {}

uring_writer::~uring_writer() { io_uring_queue_exit(ring_.get()); }

void uring_writer::add_sendmsg(int fd, const msghdr* message, std::uint64_t index) {
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());  // never null: callers add at most capacity() per submit
  io_uring_prep_sendmsg(sqe, fd, message, MSG_NOSIGNAL | MSG_DONTWAIT);
  io_uring_sqe_set_data64(sqe, index);
  ++pending_;
}

unsigned uring_writer::submit(std::vector<long>& results) {
  unsigned calls = 0;
  unsigned answered = 0;
  const unsigned expected = pending_;
  pending_ = 0;
  if (expected == 0) return 0;
  // Non-blocking sends complete within the submission; waiting covers the rare one that does not.
  int rc = io_uring_submit_and_wait(ring_.get(), expected);
  ++calls;
  while (answered < expected) {
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
      failed_ = true;
      break;
    }
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      const auto index = io_uring_cqe_get_data64(cqe);
      if (index < results.size()) results[index] = cqe->res;
      ++seen;
    }
    io_uring_cq_advance(ring_.get(), seen);
    answered += seen;
    if (answered < expected) {
      rc = io_uring_submit_and_wait(ring_.get(), expected - answered);
      ++calls;
    }
  }
  return calls;
}

}  // namespace throng
