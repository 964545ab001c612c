#pragma once
// A virtual user's WebSocket, kept small because an agent holds tens of
// thousands of them: a descriptor, the bytes of an unfinished frame, and what
// the kernel would not take yet. Once open, the connection waits on its
// worker's own epoll set (added once, edge-triggered: no system call per
// wait) and, when readable, reads into the worker's shared buffer and hands
// each message to its user's events: no coroutine or read buffer is held
// per connection. Writing is corked: the frames users queue during a loop
// turn are written when the turn's handlers have run, every connection's in
// one io_uring submission for the whole worker (or one sendmsg each without
// io_uring), and queued only when the kernel pushes back. Client frames are
// masked (RFC 6455 5.3); fragmented and control frames are handled. Used on
// its worker's thread only.

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "throng/common/fd_poller.hpp"
#include "throng/common/net.hpp"
#include "throng/common/uring_writer.hpp"
#include "slab_pool.hpp"

namespace throng::agent {

class ws_client;

// Per worker: the receive buffer every connection reads into, the epoll set
// they wait on, and the connections with frames to write this loop turn.
struct ws_client_buffers {
  explicit ws_client_buffers(net::io_context& io);
  ~ws_client_buffers();
  // Writes each connection with its own system call from now on.
  void disable_io_uring() { uring.reset(); }

  net::io_context& io;
  std::shared_ptr<slab_pool> connections = std::make_shared<slab_pool>();  // where every ws_client here lives
  fd_poller poller;
  std::string receive = std::string(64 * 1024, '\0');
  std::uint64_t mask_state = 0x9e3779b97f4a7c15ULL;  // mask keys: a cheap PRNG is enough for a load tool
  std::vector<std::shared_ptr<ws_client>> corked, writing;
  bool flush_posted = false;
  std::unique_ptr<uring_writer> uring;  // null: the kernel refused a ring
  std::vector<msghdr> messages;
  std::vector<iovec> iovecs;
  std::vector<long> results;

  // When the kernel had the message being delivered (wall_ns), from the
  // receive timestamp of its read: known for the last message a read
  // completes, 0 for the others (their bytes came earlier, by how much is not known).
  std::int64_t message_arrival_ns = 0;
  std::int64_t read_arrival_ns = 0;  // the current read's last segment
  // Ends of the last writes of corked frames (mono_ns), by write number: a
  // send notes the number of the write that will carry it. 4,096 writes cover
  // acks that take up to about 0.4 s at 100,000 sends/s (some ten a write);
  // a later ack's write end is no longer known.
  std::uint64_t flushes = 0;  // begun
  std::array<std::int64_t, 4096> flush_ends{};
  // The number the next write will have (what a send notes, in 32 bits).
  std::uint32_t next_flush() const noexcept { return static_cast<std::uint32_t>(flushes); }
  // When write number `n` ended; 0 when it has not ended or is too old to know.
  std::int64_t flush_end(std::uint32_t n) const noexcept {
    const std::uint32_t begun_since = static_cast<std::uint32_t>(flushes) - n;
    return begun_since >= 1 && begun_since <= flush_ends.size() ? flush_ends[n % flush_ends.size()] : 0;
  }
};

// What a connection tells its user, on the worker's thread.
class ws_client_events {
 public:
  // A complete message; the view lives until it returns.
  virtual void on_message(std::string_view payload, bool text) = 0;
  // Once, when the connection is over: closed by the peer, broken, or aborted.
  virtual void on_closed() = 0;
  // The peer closed first, with this code (1005: none given) and reason; on_closed follows.
  virtual void on_peer_close(std::uint16_t /*code*/, std::string_view /*reason*/) {}

 protected:
  ~ws_client_events() = default;
};

class ws_client : public std::enable_shared_from_this<ws_client>, public fd_watcher {
 public:
  // Performs the opening handshake on `fd`, a connected non-blocking socket,
  // by `deadline` (mono_ns), and takes
  // it over; when it returns null, `error` says why (handshake_timed_out
  // when the deadline passed) and fd is closed.
  static net::awaitable<std::shared_ptr<ws_client>> handshake(int fd, ws_client_buffers& buffers,
                                                              const std::string& host_port, const std::string& path,
                                                              std::int64_t deadline, std::string& error);

  // Owns `fd`, an open WebSocket's socket.
  ws_client(int fd, ws_client_buffers& buffers);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Starts delivering to `events` (frames that came with the handshake
  // response first, from within this call).
  void start(ws_client_events* events);
  // No more events from here on (the user is letting go of the connection).
  void detach() { events_ = nullptr; }
  // Lets go of the write buffers while nothing waits in them (a user going idle).
  void release_buffers();
  // Heap bytes its buffers hold: none for an idle connection once released.
  std::size_t buffer_bytes() const noexcept;

  // Sends one message. False when the connection is closing or more than
  // `max_queued` bytes already wait for the kernel (the peer does not read).
  bool send(std::string_view payload, bool text);
  // Bytes wait behind what the kernel would not take: a frame sent now leaves
  // when the socket drains, not with the worker's next write.
  bool waiting_for_kernel() const noexcept { return !queued_.empty(); }
  // Sends a close frame with `code`; the peer's answer ends the connection.
  void close(std::uint16_t code = 1000);
  // Drops the connection now (on_closed follows, from within this call).
  void abort();
  bool closing() const noexcept { return closing_; }
  // Nothing more will arrive: the socket is closed, or the peer's close came.
  bool finished() const noexcept { return fd_ < 0 || peer_closed_; }

  static constexpr std::string_view handshake_timed_out = "timed out";
  static constexpr std::size_t max_queued = 4 * 1024 * 1024;
  static constexpr std::size_t max_message = 16 * 1024 * 1024;

 private:
  void on_ready(std::uint32_t events) override;
  void read_available();
  bool write_frame(std::uint8_t opcode, std::string_view payload);
  // Writes every corked connection of the worker: once per loop turn.
  static void flush_corked(ws_client_buffers& buffers);
  // What the kernel took of the corked bytes (or -errno).
  void after_corked_write(long result);
  void write_queued();  // what the kernel would not take, on each writable edge
  // Parses complete frames from `data`; returns the bytes consumed, or -1 on a protocol error.
  std::ptrdiff_t parse(std::string_view data);
  void finish();  // closes the socket and tells the user, once

  int fd_;
  ws_client_buffers& buffers_;
  ws_client_events* events_ = nullptr;
  std::string partial_;    // the start of a frame the last read did not complete
  std::string fragments_;  // a fragmented message so far
  std::string corked_;     // frames of this loop turn, written when it ends
  std::string queued_;     // bytes the kernel did not take yet
  bool in_fragment_ = false;
  bool fragment_text_ = false;
  bool read_to_end_ = false;  // the peer's end has arrived: read until it
  bool closing_ = false;
  bool peer_closed_ = false;
};

}  // namespace throng::agent
