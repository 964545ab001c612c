#include "session.hpp"

#include <fmt/format.h>

#include "shard.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"
#include "throng/common/token.hpp"

namespace throng::server {
session::session(shard& home, std::uint64_t id) : home_(home), id_(id) {}

bool session::start(int fd, const http_request& request) {
  const auto& config = home_.core.config;
  // Sends are small on the wire (dup_factor expands them on the owner); leave room for framing.
  connection_ = std::make_shared<ws_connection>(fd, home_.outbox,
                                                ws_limits{config.max_queued_bytes, config.max_message_bytes + 4096});
  if (!connection_->accept(request, this)) {
    connection_.reset();
    return false;
  }
  home_.metrics.connections_accepted.add();
  return true;
}

void session::on_message(std::string_view payload, bool text) {
  const auto format = text ? wire_format::json : wire_format::binary;
  if (!said_hello_) adopt_format(format);
  std::string detail;
  const auto decode_started = mono_ns();
  // Size is already bounded by the connection's message limit.
  auto frame = decode<chat::ClientFrame>(payload, format, payload.size(), &detail);
  home_.metrics.decode.observe(mono_ns() - decode_started);
  if (!frame) {
    // decode() also refuses a frame with none of hello, join, leave, send, ping, typing.
    on_malformed(fmt::format("{}{}{}", frame.error().message(), detail.empty() ? "" : ": ", detail));
    return;
  }
  home_.metrics.frames_in[frame->kind_case()].add();
  if (frame->kind_case() == chat::ClientFrame::kHello) handle_hello(frame->hello(), format);
  else handle(*frame);
}

void session::on_peer_close(ws_connection& connection, std::uint16_t code) {
  if (sends_in_flight_ == 0) connection.close(code);
  else peer_close_ = code;
}

void session::after_send_answered() {
  --sends_in_flight_;
  if (peer_close_ && sends_in_flight_ == 0 && connection_) connection_->close(*peer_close_);
}

void session::on_end(ws_end why) {
  if (why != ws_end::closed) home_.metrics.frames_in[0].add();  // oversized, or not WebSocket as RFC 6455 has it
  ended_ = true;
  leave_all_rooms();
  home_.release(shared_from_this());
}

void session::sweep(std::int64_t now_ns) {
  const double idle_s = home_.core.config.idle_timeout_s;
  if (connection_) connection_->sweep(now_ns, idle_s > 0 ? static_cast<std::int64_t>(idle_s * 1e9) : 0);
}

void session::on_malformed(const std::string& what) {
  home_.metrics.frames_in[0].add();
  send_error(chat::MALFORMED_FRAME, fmt::format("{}; see proto/chat.proto for the frame format", what));
  const unsigned limit = home_.core.config.malformed_frame_limit;
  if (limit && ++malformed_ >= limit)
    connection_->close(websocket::close_code::policy_error, fmt::format("{} malformed frames", malformed_));
}

void session::adopt_format(wire_format format) {
  format_ = format;
  form_ = format == wire_format::json ? delivery_form::json : delivery_form::binary;
  connection_->set_text(format == wire_format::json);
}

void session::release_membership(const std::string& room) {
  shard& owner = home_.core.owner_of(room);
  net::post(owner.io, [&owner, room, from = home_.index, form = form_, user = user_] {
    owner.remove_member(room, from, form, user);
  });
}

void session::handle_hello(const chat::Hello& hello, wire_format format) {
  if (said_hello_) {
    send_error(chat::PROTOCOL_VIOLATION, "hello was already sent on this connection");
    return;
  }
  said_hello_ = true;
  adopt_format(format);
  const auto& core = home_.core;
  if (hello.token().empty()) {
    user_ = fmt::format("anon-{}-{}", home_.index, id_);
    can_send_ = false;
  } else {
    const auto now_s = wall_ns() / 1'000'000'000;
    token_claims claims;
    auto status = verify_token(hello.token(), core.token_secret, now_s, &claims);
    if (status == token_status::bad_signature && !core.config.test_token_secret.empty())
      status = verify_token(hello.token(), core.config.test_token_secret, now_s, &claims);
    if (status != token_status::valid) {
      const bool expired = status == token_status::expired;
      send_error(expired ? chat::TOKEN_EXPIRED : chat::BAD_TOKEN,
                 expired ? "the token has expired; log in again (POST /api/login) for a new one"
                         : "the token is not valid here; get one from POST /api/login, or send an empty token to "
                           "read anonymously");
      connection_->close(websocket::close_code::policy_error, expired ? "token expired" : "bad token");
      return;
    }
    user_ = std::move(claims.user);
    can_send_ = true;
    send_bucket_ = token_bucket(core.config.send_rate_per_user, core.config.send_burst, mono_ns());
  }

  chat::ServerFrame frame;
  auto* welcome = frame.mutable_welcome();
  welcome->set_user(user_);
  welcome->set_can_send(can_send_);
  welcome->set_session(fmt::format("{}.{}", home_.index, id_));
  for (const auto& capability : hello.capabilities()) {
    // Batches concatenate binary frames; JSON clients get one frame per message.
    if (capability == "batch" && format_ == wire_format::binary) {
      connection_->set_batching(true);
      welcome->add_capabilities("batch");
    } else if (capability == "dup_factor") {
      form_ = format_ == wire_format::json ? delivery_form::json_compact : delivery_form::binary_compact;
      welcome->add_capabilities("dup_factor");
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
    case chat::ClientFrame::kTyping: handle_typing(frame.typing()); break;
    case chat::ClientFrame::kPing: {
      chat::ServerFrame pong;
      pong.mutable_pong()->set_client_ts_ns(frame.ping().client_ts_ns());
      pong.mutable_pong()->set_server_ts_ns(wall_ns());
      send_frame(pong);
      break;
    }
    default: break;
  }
}

void session::handle_join(const chat::Join& join) {
  const std::string& room = join.room();
  if (!valid_room_name(room)) {
    send_error(chat::BAD_ROOM_NAME, room_name_rule, 0, room);
    return;
  }
  const auto& core = home_.core;
  if (!core.config.dynamic_rooms && !core.presets.contains(room)) {
    std::string names;
    for (const auto& [name, preset] : core.presets) names += (names.empty() ? "" : ", ") + name;
    send_error(chat::UNKNOWN_ROOM, fmt::format("no room '{}' on this server (rooms are fixed: {})", room, names), 0, room);
    return;
  }
  if (joined_.contains(room) || joining_.contains(room)) {
    send_error(chat::PROTOCOL_VIOLATION, "already joined this room; leave it first to join again", 0, room);
    return;
  }
  joining_.insert(room);
  shard& owner = core.owner_of(room);
  member_join request{room, home_.index, form_, user_, join.since_seq()};
  net::post(owner.io, [&owner, &home = home_, self = shared_from_this(), request = std::move(request)]() mutable {
    auto room = request.room;
    owner.add_member(std::move(request), [&home, self, room = std::move(room)](chat::ServerFrame history) {
      net::post(home.io, [self, room, history = std::move(history)]() mutable { self->on_joined(room, std::move(history)); });
    });
  });
}

void session::on_joined(const std::string& room, chat::ServerFrame history) {
  joining_.erase(room);
  if (history.has_error()) {  // refused by the owner: not a member
    if (!ended_) send_frame(history);
    return;
  }
  if (ended_) {
    release_membership(room);
    return;
  }
  joined_.insert(room);
  home_.attach(this, room);
  send_frame(history);
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

void session::handle_typing(const chat::Typing& typing) {
  if (!can_send_ || !joined_.contains(typing.room())) return;  // best-effort: nothing to answer
  shard& owner = home_.core.owner_of(typing.room());
  net::post(owner.io, [&owner, room = typing.room(), user = user_] { owner.typing(room, user); });
}

void session::handle_send(const chat::Send& send) {
  const std::string& room = send.room();
  if (!can_send_) {
    send_error(chat::READ_ONLY,
               "anonymous users can only read; log in to send (POST /api/login, then hello with the token)",
               send.client_seq(), room);
    return;
  }
  if (!joined_.contains(room)) {
    send_error(chat::NOT_JOINED, "join the room before sending to it", send.client_seq(), room);
    return;
  }
  const auto& config = home_.core.config;
  const std::uint64_t factor = send.dup_factor() > 1 ? send.dup_factor() : 1;
  const std::uint64_t size = factor * send.body().size();
  if (size > config.max_message_bytes) {
    send_error(chat::TOO_LARGE,
               fmt::format("message is {} bytes after dup_factor {}; the limit is {} bytes (--max-message-bytes)",
                           size, factor, config.max_message_bytes),
               send.client_seq(), room);
    return;
  }
  if (!send_bucket_.try_take(mono_ns())) {
    send_error(chat::RATE_LIMITED,
               fmt::format("sending faster than {} messages/s; retry in {:.2f}s", config.send_rate_per_user,
                           send_bucket_.seconds_until_next(mono_ns())),
               send.client_seq(), room);
    return;
  }
  chat::ChatMessage message;
  message.set_room(room);
  message.set_sender(user_);
  message.set_sent_at_ns(send.sent_at_ns());
  message.set_body(send.body());

  shard& owner = home_.core.owner_of(room);
  ++sends_in_flight_;
  net::post(owner.io, [&owner, self = shared_from_this(), message = std::move(message), factor,
                       client_seq = send.client_seq(), received = connection_->arrival_ns()]() mutable {
    owner.publish(std::move(message), static_cast<std::uint32_t>(factor), std::move(self), client_seq, received);
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
  home_.metrics.acks.add();
  after_send_answered();
}

void session::on_send_failed(std::string message, std::uint64_t client_seq, std::string room) {
  if (ended_) return;
  send_error(chat::UNAVAILABLE, std::move(message), client_seq, std::move(room));
  after_send_answered();
}

void session::deliver(local_fanout& message, bool best_effort) {
  const auto& payload = message.bytes_for(form_);
  if (!payload) return;  // cannot happen: the owner encodes every form its members use
  if (best_effort) {
    // Presence is the first thing dropped: only sent to connections that keep up.
    if (!connection_ || connection_->queued_bytes() > home_.core.config.max_queued_bytes / 4) {
      home_.metrics.presence_dropped.add();
      return;
    }
    if (queue(payload)) home_.metrics.presence_sent.add();
    return;
  }
  if (queue(payload, message.message().received_mono_ns)) home_.metrics.deliveries.add();
}

void session::send_frame(const chat::ServerFrame& frame) {
  queue(make_payload(encode_frame(frame, format_)));
}

void session::send_error(chat::ErrorCode code, std::string message, std::uint64_t client_seq, std::string room) {
  if (code == chat::UNAVAILABLE) home_.metrics.unavailable.add();
  home_.metrics.errors_sent.add();
  chat::ServerFrame frame;
  auto* error = frame.mutable_error();
  error->set_code(code);
  error->set_message(std::move(message));
  error->set_client_seq(client_seq);
  error->set_room(std::move(room));
  send_frame(frame);
}

bool session::queue(shared_payload payload, std::int64_t received_ns) {
  if (ended_ || !connection_ || connection_->closing()) return false;
  if (connection_->send(std::move(payload), received_ns)) return true;
  // The client does not read fast enough: close it rather than buffer without bound.
  home_.metrics.slow_consumers.add();
  connection_->close(websocket::close_code::policy_error, "slow consumer: outbound queue limit reached");
  return false;
}

void session::close(websocket::close_code code, std::string_view reason) {
  if (connection_) connection_->close(static_cast<std::uint16_t>(code), reason);
}

void session::leave_all_rooms() {
  for (const auto& room : joined_) {
    home_.detach(this, room);
    release_membership(room);
  }
  joined_.clear();
}

}  // namespace throng::server
