#pragma once
// A client's WebSocket on the server, kept small because a shard holds tens
// of thousands of them: a socket, its queue of shared frames, and only while
// needed the bytes of an unfinished frame or what the kernel would not take.
// No coroutine, read buffer or timer is held per connection: reading waits
// for readiness, then reads into the shard's shared buffer; writes are
// corked (ws_outbox): frames queued during a loop turn leave in one
// sendmsg per connection, as many WebSocket frames (or one batch message)
// pointing at the shared payloads. Idle and closing deadlines are swept by
// the shard. Used on its shard's thread only.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "throng/common/fd_poller.hpp"
#include "throng/common/net.hpp"
#include "ws_outbox.hpp"

namespace throng::server {

struct shard_metrics;

// A frame's bytes, shared by the connections of one shard that send them.
// Counted without atomics (libstdc++'s single-threaded policy): a fanned-out
// message reaches every member of a room, and an atomic count per delivery
// cost the shard's core about 5 % at 2M deliveries/s. Copied on its shard's
// thread only; bytes shared across shards are wrapped once per shard.
using shared_payload = std::__shared_ptr<const std::string, __gnu_cxx::_S_single>;

inline shared_payload make_payload(std::string bytes) {
  return std::__make_shared<const std::string, __gnu_cxx::_S_single>(std::move(bytes));
}

// This shard's handle on bytes other shards share too: one atomic reference
// held for all of this shard's connections.
inline shared_payload shard_local(std::shared_ptr<const std::string> bytes) {
  const std::string* raw = bytes.get();
  auto holder = std::__make_shared<const std::shared_ptr<const std::string>, __gnu_cxx::_S_single>(std::move(bytes));
  return shared_payload(holder, raw);
}

// Why a connection delivers no more messages.
enum class ws_end { closed, too_big, protocol_error };

class ws_connection;

// What a connection tells its session.
class ws_events {
 public:
  virtual void on_message(std::string_view payload, bool text) = 0;
  // The peer sent its close frame: answer with connection.close(code), now
  // (the default) or once what is owed for earlier messages is queued.
  virtual void on_peer_close(ws_connection& connection, std::uint16_t code);
  // Once, when the connection is over (the socket is closed).
  virtual void on_end(ws_end why) = 0;

 protected:
  ~ws_events() = default;
};

struct ws_limits {
  std::size_t max_queued_bytes = 4 * 1024 * 1024;  // past this, send() refuses: a slow consumer
  std::size_t max_message_bytes = 1024 * 1024;     // a larger incoming message closes with 1009
};

class ws_connection : public std::enable_shared_from_this<ws_connection>, public fd_watcher {
 public:
  // Owns `fd`, a connected stream socket (blocking or not: every call on it
  // is non-blocking by itself).
  ws_connection(int fd, ws_outbox& outbox, ws_limits limits);
  ~ws_connection();
  ws_connection(const ws_connection&) = delete;
  ws_connection& operator=(const ws_connection&) = delete;

  // Answers the upgrade request (101, or 400 with the reason) and, when it
  // is valid, starts reading, reporting to `events` until on_end.
  bool accept(const http_request& request, ws_events* events);

  void set_text(bool text) { text_ = text; }
  // Frames queued together go out as one chat batch message (the client announced `batch`).
  void set_batching(bool on) { batching_ = on; }
  bool batching() const noexcept { return batching_; }

  // Queues a data frame; `stamp` (mono ns, 0: none) is when the kernel took in
  // what it carries, for the latency it adds. False, queueing nothing, when
  // closing or when it would take the queue past its cap.
  bool send(shared_payload frame, std::int64_t stamp = 0);
  // Writes what is queued, then a close frame; ends when the peer answers
  // (or the shard's sweep gives up on it). Idempotent.
  void close(std::uint16_t code, std::string_view reason = {});
  // Drops the connection now.
  void abort();

  // Called by the shard about once a second: closes a connection idle for
  // longer than `idle_timeout_ns` (0: never), and drops one whose close the
  // peer has not answered within close_grace of it being written (or
  // within close_limit of it being queued, for a peer that stopped reading),
  // and answers a peer's close the session left unanswered for close_grace.
  void sweep(std::int64_t now_ns, std::int64_t idle_timeout_ns);
  static constexpr std::int64_t close_grace_ns = 5'000'000'000;
  static constexpr std::int64_t close_limit_ns = 60'000'000'000;

  bool closing() const noexcept { return closing_; }
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  // When the kernel took in the last segment of the read being parsed (mono
  // ns; the read's own time when it gave no stamp): the start of the latency
  // the server adds, so that a frame left waiting in the socket while the
  // shard was busy counts that wait. Frames earlier in the same read came no
  // later than it.
  std::int64_t arrival_ns() const noexcept { return arrival_ns_; }

 private:
  friend class ws_outbox;
  struct queued_frame {
    shared_payload payload;
    std::int64_t stamp;
    std::uint8_t opcode;
  };

  void on_ready(std::uint32_t events) override;
  void on_readable();
  void close_socket();
  // Parses complete frames from `data` (unmasking in place); returns the
  // bytes consumed, or -1 after closing for a protocol violation.
  std::ptrdiff_t parse(char* data, std::size_t size);
  void queue_control(std::uint8_t opcode, std::string payload);
  void schedule();
  // Writes queued frames with as few sendmsg calls as the kernel allows.
  void write_now();
  // The outbox's half of a write: whether one can be prepared now (writes
  // what is left of an earlier one first), its iovecs in `arena` (false when
  // they would not fit), and the outcome (bytes sent, or -errno); complete()
  // returns whether more is queued for another write.
  bool ready_to_write();
  bool prepare(write_arena& arena, prepared_write& out);
  bool complete(const write_arena& arena, const prepared_write& write, long result);
  // Writes the remainder of a partial write; false while some of it still waits.
  bool write_unsent();
  void keep_unsent(const write_arena& arena, const prepared_write& write, std::size_t sent);
  void wait_writable();
  void after_close_written();
  void finish();

  int fd_;
  ws_outbox& outbox_;
  ws_limits limits_;
  ws_events* events_ = nullptr;
  std::vector<queued_frame> queue_;  // not a deque: an empty deque already holds 576 bytes
  std::string unsent_;    // bytes of frames the kernel did not take yet; written first
  std::string partial_;   // the start of a frame the last read did not complete
  std::string fragments_; // a fragmented message so far
  std::size_t queued_bytes_ = 0;
  std::int64_t last_write_ns_ = 0;
  std::int64_t last_read_ns_ = 0;
  std::int64_t arrival_ns_ = 0;
  std::int64_t closing_since_ns_ = 0;
  std::int64_t close_written_ns_ = 0;
  std::int64_t peer_closed_ns_ = 0;   // the peer's close came and ours is not queued yet
  ws_end end_reason_ = ws_end::closed;
  bool text_ = false;
  bool batching_ = false;
  bool scheduled_ = false;
  bool waiting_writable_ = false;
  bool read_to_end_ = false;  // the peer's end has arrived: read until it
  bool in_fragment_ = false;
  bool fragment_text_ = false;
  bool closing_ = false;       // our close frame is queued
  bool close_in_unsent_ = false;  // our close frame is among the unsent bytes
  bool close_written_ = false;
  bool peer_closed_ = false;   // the peer's close frame (or EOF) arrived
  bool finished_ = false;
};

}  // namespace throng::server
