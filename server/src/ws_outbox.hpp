#pragma once
// Per shard: the buffer every connection reads into, and the connections
// with frames to write, flushed once the loop's queued handlers have run
// (corking, as uWS does per loop iteration), in slices, with reads between
// them during a big room's fan-out. With io_uring, one slice
// hands its connections' sendmsg calls to the kernel in one system call.

#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "throng/common/fd_poller.hpp"
#include "throng/common/net.hpp"

namespace throng::server {

struct shard_metrics;
class ws_connection;
}  // namespace throng::server
namespace throng { class uring_writer; }
namespace throng::server {

// The iovecs and header bytes of the writes of one submission. Reserved
// once: nothing may move while the kernel has not taken the writes yet.
struct write_arena {
  write_arena();
  bool fits(std::size_t iovecs, std::size_t head_bytes) const noexcept {
    return iov.size() + iovecs <= iov.capacity() && heads_used + head_bytes <= heads.size();
  }
  void clear() noexcept {
    iov.clear();
    heads_used = 0;
  }
  std::vector<iovec> iov;
  std::vector<char> heads;
  std::size_t heads_used = 0;
};

// One connection's sendmsg within an arena.
struct prepared_write {
  msghdr message{};
  std::size_t first_iov = 0, iov_count = 0;
  std::size_t frames = 0;  // queued frames it carries
  std::size_t bytes = 0;
};

class ws_outbox {
 public:
  ws_outbox(net::io_context& io, shard_metrics& metrics);
  ~ws_outbox();

  // With batching: a connection written to less than `delay` ago waits out
  // the rest, so that under load one write carries many messages.
  void set_batch_delay(std::chrono::nanoseconds delay) { batch_delay_ = delay; }
  // Submits the writes of a flush through io_uring; false (and `why`) when
  // the kernel refuses a ring, and then each connection writes for itself.
  bool use_io_uring(std::string& why);
  bool io_uring_in_use() const noexcept { return uring_ != nullptr; }

  void schedule(std::shared_ptr<ws_connection> connection);

  std::string& receive_buffer() noexcept { return receive_; }
  // Where the shard's connections learn their sockets are readable or writable.
  fd_poller& poller() noexcept { return poller_; }
  net::io_context& io() noexcept { return io_; }
  shard_metrics& metrics() noexcept { return metrics_; }
  // For a connection writing by itself (outside a flush).
  write_arena& arena() noexcept { return arena_; }

 private:
  void post_flush();
  // A batching connection written to less than the batch delay ago waits.
  bool waits_out_delay(const ws_connection& c, std::int64_t now) const;
  void flush();
  void write_slice(std::int64_t now);
  void write_through_ring(std::vector<std::shared_ptr<ws_connection>>& connections);
  void arm_timer();

  net::io_context& io_;
  shard_metrics& metrics_;
  fd_poller poller_{io_};
  std::string receive_ = std::string(64 * 1024, '\0');
  // Scheduled connections, written in order from next_ on, a slice at a time.
  std::vector<std::shared_ptr<ws_connection>> ready_, writing_, deferred_;
  std::size_t next_ = 0;
  write_arena arena_;
  std::unique_ptr<uring_writer> uring_;
  std::vector<std::pair<ws_connection*, prepared_write>> batch_;
  std::vector<long> results_;
  net::steady_timer timer_;
  std::chrono::nanoseconds batch_delay_{0};
  bool flush_posted_ = false;
  bool timer_armed_ = false;
};

}  // namespace throng::server
