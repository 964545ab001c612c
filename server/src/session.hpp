#pragma once
// One client connection on its home shard: decodes and handles the frames
// its ws_connection reads, and queues what goes back on it. Room work is
// posted to the room's owner shard; its answers come back by posting to the
// home shard.

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "fanout.hpp"
#include "rate_limiter.hpp"
#include "shard.hpp"
#include "throng/common/frame_codec.hpp"
#include "ws_connection.hpp"

namespace throng::server {

// A fanned-out message on one receiving shard: its bytes for each form this
// shard's members use, given this shard's own (non-atomic) handle once, so a
// delivery costs no atomic operation.
class local_fanout {
 public:
  explicit local_fanout(const fanout_message& message) : message_(message) {}
  const fanout_message& message() const noexcept { return message_; }
  const shared_payload& bytes_for(delivery_form form) {
    shared_payload& local = local_[static_cast<std::size_t>(form)];
    if (!local) {
      if (const auto& bytes = message_.bytes_for(form)) local = shard_local(bytes);
    }
    return local;
  }

 private:
  const fanout_message& message_;
  std::array<shared_payload, delivery_form_count> local_{};
};

class session : public std::enable_shared_from_this<session>, public ws_events {
 public:
  session(shard& home, std::uint64_t id);

  // Answers the upgrade and starts reading; false when the request was
  // refused. The session leaves its shard when the connection ends.
  bool start(int fd, const http_request& request);
  void on_message(std::string_view payload, bool text) override;
  // Answers once every send read before the close has its ack (or error) queued.
  void on_peer_close(ws_connection& connection, std::uint16_t code) override;
  void on_end(ws_end why) override;

  // All below run on the home shard.
  shard& home() const noexcept { return home_; }
  void deliver(local_fanout& message, bool best_effort);
  void on_ack(std::uint64_t client_seq, std::uint64_t seq, const std::string& room);
  // The owner could not take a send (store or bus down): its answer instead of an ack.
  void on_send_failed(std::string message, std::uint64_t client_seq, std::string room);
  void send_error(chat::ErrorCode code, std::string message, std::uint64_t client_seq = 0, std::string room = {});
  void close(websocket::close_code code, std::string_view reason);
  // Idle and unanswered-close deadlines, about once a second.
  void sweep(std::int64_t now_ns);

 private:
  void handle(const chat::ClientFrame& frame);
  void handle_hello(const chat::Hello& hello, wire_format format);
  void handle_join(const chat::Join& join);
  void handle_leave(const chat::Leave& leave);
  void handle_send(const chat::Send& send);
  void handle_typing(const chat::Typing& typing);
  void on_joined(const std::string& room, chat::ServerFrame history);
  void on_malformed(const std::string& what);
  void send_frame(const chat::ServerFrame& frame);
  // `received_ns`: when the kernel here took in the message it carries (0: not a message, or from the bus).
  bool queue(shared_payload payload, std::int64_t received_ns = 0);
  // Until hello, answer in the encoding the client used.
  void adopt_format(wire_format format);
  // Tells the room's owner shard this session's membership is over.
  void release_membership(const std::string& room);
  void leave_all_rooms();

  shard& home_;
  std::uint64_t id_;
  std::shared_ptr<ws_connection> connection_;
  wire_format format_ = wire_format::binary;
  delivery_form form_ = delivery_form::binary;
  bool said_hello_ = false;
  bool can_send_ = false;
  bool ended_ = false;
  unsigned malformed_ = 0;
  std::uint32_t sends_in_flight_ = 0;         // posted to a room's owner, not answered yet
  std::optional<std::uint16_t> peer_close_;   // the peer's close, answered when nothing is in flight
  void after_send_answered();
  std::string user_;
  token_bucket send_bucket_;
  std::unordered_set<std::string> joined_;
  std::unordered_set<std::string> joining_;
};

}  // namespace throng::server
