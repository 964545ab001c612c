#include "session.hpp"

#include <fmt/format.h>

#include "shard.hpp"
#include "throng/common/chat_batch.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"

namespace throng::server {

session::session(shard& home, std::uint64_t id) : home_(home), id_(id) {}

net::awaitable<void> session::run(beast::tcp_stream stream, http_request request) {
  ws_stream ws(std::move(stream));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "throng-server"); }));
  // Sends are small on the wire (dup_factor expands them here); leave room for framing.
  ws.read_message_max(home_.core.config.max_message_bytes + 4096);
  auto [ec] = co_await ws.async_accept(request, use_nothrow);
  if (ec) co_return;

  channel_ = std::make_shared<ws_channel>(std::move(ws), home_.core.config.max_queued_bytes);
  channel_->start();
  home_.metrics.connections_accepted.add();

  beast::flat_buffer buffer;
  for (;;) {
    auto [rec, n] = co_await channel_->stream().async_read(buffer, use_nothrow);
    if (rec) {
      if (rec == websocket::error::message_too_big) {
        home_.metrics.malformed_frames.add();
        channel_->close(websocket::close_code::too_big, "frame larger than the server accepts");
      } else if (!is_expected_ending(rec)) {
        log_debug("session {}: read ended: {}", id_, rec.message());
      }
      break;
    }
    home_.metrics.frames_in.add();
    home_.metrics.bytes_in.add(n);
    const auto format = channel_->stream().got_text() ? wire_format::json : wire_format::binary;
    if (!said_hello_) adopt_format(format);
    const std::string_view payload(static_cast<const char*>(buffer.data().data()), buffer.size());
    std::string detail;
    // Size is already bounded by read_message_max.
    auto frame = decode<chat::ClientFrame>(payload, format, payload.size(), &detail);
    buffer.consume(buffer.size());
    if (!frame) {
      home_.metrics.malformed_frames.add();
      send_error(chat::MALFORMED_FRAME,
                 fmt::format("{}{}{}; see proto/chat.proto for the frame format", frame.error().message(),
                             detail.empty() ? "" : ": ", detail));
      continue;
    }
    if (frame->kind_case() == chat::ClientFrame::kHello) {
      handle_hello(frame->hello(), format);
    } else {
      handle(*frame);
    }
    if (channel_->closing()) break;
  }
  leave_all_rooms();
  channel_->close(websocket::close_code::normal);
  ended_ = true;
}

void session::adopt_format(wire_format format) {
  format_ = format;
  channel_->set_text(format == wire_format::json);
}

void session::release_membership(const std::string& room) {
  shard& owner = home_.core.owner_of(room);
  net::post(owner.io, [&owner, room, from = home_.index, json = wants_json()] { owner.remove_member(room, from, json); });
}

void session::handle_hello(const chat::Hello& hello, wire_format format) {
  if (said_hello_) {
    send_error(chat::PROTOCOL_VIOLATION, "hello was already sent on this connection");
    return;
  }
  said_hello_ = true;
  adopt_format(format);
  user_ = fmt::format("guest-{}-{}", home_.index, id_);

  chat::ServerFrame frame;
  auto* welcome = frame.mutable_welcome();
  welcome->set_user(user_);
  welcome->set_can_send(true);
  welcome->set_session(fmt::format("{}.{}", home_.index, id_));
  for (const auto& capability : hello.capabilities()) {
    // Batches concatenate binary frames; JSON clients get one frame per message.
    if (capability == "batch" && format_ == wire_format::binary) {
      channel_->set_coalescer(
          [](std::span<const shared_payload> frames, std::string& out) { encode_chat_batch(frames, out); });
      welcome->add_capabilities("batch");
    }
  }
  send_frame(frame);
}

void session::handle(const chat::ClientFrame& frame) {
  if (!said_hello_) {
    send_error(chat::PROTOCOL_VIOLATION, "send a hello frame first, e.g. {\"hello\": {\"token\": \"\"}}");
    return;
  }
  switch (frame.kind_case()) {
    case chat::ClientFrame::kJoin: handle_join(frame.join()); break;
    case chat::ClientFrame::kLeave: handle_leave(frame.leave()); break;
    case chat::ClientFrame::kSend: handle_send(frame.send()); break;
    case chat::ClientFrame::kPing: {
      chat::ServerFrame pong;
      pong.mutable_pong()->set_client_ts_ns(frame.ping().client_ts_ns());
      pong.mutable_pong()->set_server_ts_ns(wall_ns());
      send_frame(pong);
      break;
    }
    case chat::ClientFrame::kTyping: break;  // presence is best-effort; not relayed by this server yet
    default: break;
  }
}

void session::handle_join(const chat::Join& join) {
  const std::string& room = join.room();
  if (!valid_room_name(room)) {
    send_error(chat::BAD_ROOM_NAME, "room names are 1-64 characters of A-Z a-z 0-9 _ . : -", 0, room);
    return;
  }
  if (joined_.contains(room) || joining_.contains(room)) {
    send_error(chat::PROTOCOL_VIOLATION, "already joined this room; leave it first to join again", 0, room);
    return;
  }
  joining_.insert(room);
  shard& owner = home_.core.owner_of(room);
  net::post(owner.io, [&owner, &home = home_, self = shared_from_this(), room, json = wants_json(),
                       since = join.since_seq()] {
    auto replay = owner.add_member(room, home.index, json, since);
    net::post(home.io, [self, room, replay = std::move(replay)]() mutable { self->on_joined(room, std::move(replay)); });
  });
}

void session::on_joined(const std::string& room, join_replay replay) {
  joining_.erase(room);
  if (ended_) {
    release_membership(room);
    return;
  }
  joined_.insert(room);
  home_.attach(this, room);
  chat::ServerFrame frame;
  auto* h = frame.mutable_history();
  h->set_room(room);
  for (const auto& m : replay.messages) *h->add_messages() = m->frame.message();
  h->set_first_available_seq(replay.first_available_seq);
  h->set_truncated(replay.truncated);
  send_frame(frame);
}

void session::handle_leave(const chat::Leave& leave) {
  const std::string& room = leave.room();
  if (!joined_.erase(room)) {
    send_error(chat::NOT_JOINED, "not a member of this room", 0, room);
    return;
  }
  home_.detach(this, room);
  release_membership(room);
}

void session::handle_send(const chat::Send& send) {
  const std::string& room = send.room();
  if (!joined_.contains(room)) {
    send_error(chat::NOT_JOINED, "join the room before sending to it", send.client_seq(), room);
    return;
  }
  const std::uint64_t factor = send.dup_factor() > 1 ? send.dup_factor() : 1;
  const std::uint64_t size = factor * send.body().size();
  if (size > home_.core.config.max_message_bytes) {
    send_error(chat::TOO_LARGE,
               fmt::format("message is {} bytes after dup_factor {}; the limit is {} bytes (--max-message-bytes)",
                           size, factor, home_.core.config.max_message_bytes),
               send.client_seq(), room);
    return;
  }
  chat::ChatMessage message;
  message.set_room(room);
  message.set_sender(user_);
  message.set_sent_at_ns(send.sent_at_ns());
  std::string* body = message.mutable_body();
  body->reserve(size);
  for (std::uint64_t i = 0; i < factor; ++i) body->append(send.body());

  shard& owner = home_.core.owner_of(room);
  net::post(owner.io, [&owner, &home = home_, self = shared_from_this(), message = std::move(message),
                       client_seq = send.client_seq()]() mutable {
    const std::string room = message.room();
    // The ack is posted before the fan-out, so the sender sees it before its own copy.
    owner.publish(room, std::move(message), [&](const fanout_ptr& sequenced) {
      net::post(home.io, [self, client_seq, sequenced] {
        self->on_ack(client_seq, sequenced->frame.message().seq(), sequenced->frame.message().room());
      });
    });
  });
}

void session::on_ack(std::uint64_t client_seq, std::uint64_t seq, const std::string& room) {
  if (ended_) return;
  chat::ServerFrame frame;
  auto* ack = frame.mutable_ack();
  ack->set_client_seq(client_seq);
  ack->set_seq(seq);
  ack->set_room(room);
  send_frame(frame);
}

void session::deliver(const fanout_ptr& message) {
  const auto& payload = wants_json() ? message->json : message->binary;
  if (!payload) return;  // cannot happen: JSON members make the owner encode JSON
  if (queue(payload)) home_.metrics.deliveries.add();
}

void session::send_frame(const chat::ServerFrame& frame) {
  queue(std::make_shared<const std::string>(encode_frame(frame, format_)));
}

void session::send_error(chat::ErrorCode code, std::string message, std::uint64_t client_seq, std::string room) {
  home_.metrics.errors_sent.add();
  chat::ServerFrame frame;
  auto* error = frame.mutable_error();
  error->set_code(code);
  error->set_message(std::move(message));
  error->set_client_seq(client_seq);
  error->set_room(std::move(room));
  send_frame(frame);
}

bool session::queue(std::shared_ptr<const std::string> payload) {
  if (ended_ || !channel_ || channel_->closing()) return false;
  if (channel_->send(std::move(payload))) return true;
  // The client does not read fast enough: close it rather than buffer without bound.
  home_.metrics.slow_consumers.add();
  channel_->close(websocket::close_code::policy_error, "slow consumer: outbound queue limit reached");
  return false;
}

void session::close(websocket::close_code code, std::string reason) {
  if (channel_) channel_->close(code, std::move(reason));
}

void session::leave_all_rooms() {
  for (const auto& room : joined_) {
    home_.detach(this, room);
    release_membership(room);
  }
  joined_.clear();
}

}  // namespace throng::server
