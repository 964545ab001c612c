#pragma once
// A virtual user's WebSocket, kept small because an agent holds tens of
// thousands of them: a socket, the bytes of an unfinished frame, and what the
// kernel would not take yet. Reading waits for readiness and then reads with
// plain non-blocking calls into the worker's shared buffer, so an idle
// connection owns no read buffer. Writing is corked: the frames users queue
// during a loop turn are written when the turn's handlers have run, every
// connection's in one io_uring submission for the whole worker (or one
// sendmsg each without io_uring), and queued only when the kernel pushes
// back. Client frames are masked (RFC 6455 5.3); fragmented and control
// frames are handled. Used on its worker's thread only.

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "throng/common/net.hpp"
#include "throng/common/uring_writer.hpp"

namespace throng::agent {

class ws_client;

// Per worker: the receive buffer every connection reads into, and the
// connections with frames to write this loop turn.
struct ws_client_buffers {
  ws_client_buffers();
  ~ws_client_buffers();
  // Writes each connection with its own system call from now on.
  void disable_io_uring() { uring.reset(); }

  std::string receive = std::string(64 * 1024, '\0');
  std::uint64_t mask_state = 0x9e3779b97f4a7c15ULL;  // mask keys: a cheap PRNG is enough for a load tool
  std::vector<std::shared_ptr<ws_client>> corked, writing;
  bool flush_posted = false;
  std::unique_ptr<uring_writer> uring;  // null: the kernel refused a ring
  std::vector<msghdr> messages;
  std::vector<iovec> iovecs;
  std::vector<long> results;
};

class ws_client : public std::enable_shared_from_this<ws_client> {
 public:
  // Takes a connected socket and performs the opening handshake on it;
  // `error` says why when it returns null.
  static net::awaitable<std::shared_ptr<ws_client>> handshake(tcp::socket socket, ws_client_buffers& buffers,
                                                              const std::string& host_port, const std::string& path,
                                                              std::int64_t timeout_ns, std::string& error);

  ws_client(tcp::socket socket, ws_client_buffers& buffers);

  // Sends one message. False when the connection is closing or more than
  // `max_queued` bytes already wait for the kernel (the peer does not read).
  bool send(std::string_view payload, bool text);
  // Waits for data and hands each complete message to on_message (the view
  // lives until it returns). False once the connection is over.
  using message_handler = std::function<void(std::string_view payload, bool text)>;
  net::awaitable<bool> read(const message_handler& on_message);
  // Sends a close frame with `code` and shuts the connection down.
  void close(std::uint16_t code = 1000);
  // Drops the connection now.
  void abort();
  bool closing() const noexcept { return closing_; }

  static constexpr std::size_t max_queued = 4 * 1024 * 1024;
  static constexpr std::size_t max_message = 16 * 1024 * 1024;

 private:
  bool write_frame(std::uint8_t opcode, std::string_view payload);
  // Writes every corked connection of the worker: once per loop turn.
  static void flush_corked(ws_client_buffers& buffers);
  // What the kernel took of the corked bytes (or -errno).
  void after_corked_write(long result);
  void flush();  // writes the queue, waiting for writability when needed
  // Parses complete frames from `data`; returns the bytes consumed, or -1 on a protocol error.
  std::ptrdiff_t parse(std::string_view data, const message_handler& on_message);

  tcp::socket socket_;
  ws_client_buffers& buffers_;
  std::string partial_;    // the start of a frame the last read did not complete
  std::string fragments_;  // a fragmented message so far
  std::string corked_;     // frames of this loop turn, written when it ends
  std::string queued_;     // bytes the kernel did not take yet
  bool leftover_pending_ = false;  // frames came with the handshake response: parse before waiting
  bool in_fragment_ = false;
  bool fragment_text_ = false;
  bool waiting_writable_ = false;
  bool closing_ = false;
  bool peer_closed_ = false;
};

}  // namespace throng::agent
