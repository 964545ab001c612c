#pragma once
// A WebSocket with one writer loop and a bounded outbound queue: at most one
// async_write in flight, frames queued meanwhile are written next. Past the
// byte cap the peer is a slow consumer. Used for the control links (agents,
// operators, the panel); chat clients have the server's own connection.
// All members must be called on the stream's executor (one thread).
// Heavy (Beast): include from .cpp files only.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "throng/common/net.hpp"

namespace google::protobuf { class Message; }

namespace throng {

struct read_result {
  error_code ec;          // a frame_errc: this message was malformed, the connection goes on;
                          // any other error: the connection is over
  std::size_t bytes = 0;  // payload bytes read
};

// Reads one WebSocket message into `out`: text frames as protobuf JSON,
// binary frames as protobuf.
net::awaitable<read_result> read_message(ws_stream& ws, beast::flat_buffer& buffer, google::protobuf::Message& out);

using shared_payload = std::shared_ptr<const std::string>;

class ws_channel : public std::enable_shared_from_this<ws_channel> {
 public:
  ws_channel(ws_stream stream, std::size_t max_queued_bytes);

  ws_stream& stream() noexcept { return ws_; }
  void set_text(bool text) { ws_.text(text); ws_.binary(!text); }

  // Queues a frame. Returns false, queueing nothing, when the queue would
  // exceed its cap or the channel is closing.
  bool send(shared_payload frame);
  bool send(std::string frame) { return send(std::make_shared<const std::string>(std::move(frame))); }

  // Starts the writer loop; call once after the handshake.
  void start();
  // Writes what is queued, then closes with `code`. Idempotent.
  void close(websocket::close_code code = websocket::close_code::normal, std::string reason = {});
  // Drops the connection now.
  void abort();

  bool closing() const noexcept { return closing_; }
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  std::uint64_t messages_written() const noexcept { return messages_written_; }

 private:
  net::awaitable<void> write_loop();

  ws_stream ws_;
  std::size_t max_queued_bytes_;
  std::vector<shared_payload> queue_;  // not a deque: an empty deque already holds 576 bytes
  std::vector<shared_payload> draining_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t messages_written_ = 0;
  net::steady_timer wake_;
  bool writer_idle_ = false;
  bool closing_ = false;
  bool started_ = false;
  websocket::close_reason close_reason_;
};

}  // namespace throng
