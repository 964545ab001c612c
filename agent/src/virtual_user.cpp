#include "virtual_user.hpp"

#include "throng/common/token.hpp"

#include <fmt/format.h>

#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"
#include "worker.hpp"

namespace throng::agent {

namespace {
constexpr std::int64_t max_schedule_lag_ns = 1'000'000'000;  // later than this, a slot is dropped

std::chrono::steady_clock::time_point steady_at(std::int64_t mono) {
  // steady_clock is CLOCK_MONOTONIC on Linux, the clock of mono_ns().
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(mono));
}

// SplitMix64: a cheap, well-mixed hash for per-user deterministic choices.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

virtual_user::virtual_user(worker& home, std::shared_ptr<run_context> run, std::uint64_t user_id)
    : home_(home),
      run_(std::move(run)),
      user_id_(user_id),
      room_(run_->room_name(run_->room_of(user_id))),
      room_index_(run_->room_of(user_id)),
      format_(run_->plan.protocol() == control::WIRE_JSON ? wire_format::json : wire_format::binary) {
  auto* send = send_frame_.mutable_send();
  send->set_room(room_);
  send->set_dup_factor(run_->plan.dup_factor());
}

net::awaitable<void> virtual_user::run(std::function<void(std::string)> on_ready) {
  auto self = shared_from_this();  // the worker may drop its reference while we still read
  const bool ok = co_await connect_and_join();
  if (ok) failure_.clear();
  else if (failure_.empty()) failure_ = "connection closed during hello/join";
  on_ready(failure_);
  if (!ok) {
    if (channel_) channel_->abort();
    co_return;
  }
  ++home_.active_users;
  net::co_spawn(home_.io, [self = shared_from_this()] { return self->send_loop(); }, log_exceptions{"sender"});
  co_await read_loop();
  --home_.active_users;
}

void virtual_user::close() {
  closed_ = true;
  if (channel_) channel_->close(websocket::close_code::normal);
}

net::awaitable<bool> virtual_user::connect_and_join() {
  auto& stats = home_.stats;
  const std::int64_t t_connect = mono_ns();
  beast::tcp_stream tcp(home_.io);
  tcp.expires_after(std::chrono::nanoseconds(run_->plan.connect_timeout_ns()));
  auto [cec, endpoint] = co_await tcp.async_connect(run_->endpoints, use_nothrow);
  if (cec) {
    ++stats.counters.connect_errors;
    stats.counters.count_error(cec == beast::error::timeout ? "CONNECT_TIMEOUT" : "CONNECT_FAILED");
    failure_ = "connect to " + run_->target.str() + " failed: " + cec.message();
    co_return false;
  }
  tcp.socket().set_option(tcp::no_delay(true));
  tcp.expires_never();

  ws_stream ws(std::move(tcp));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(http::field::user_agent, "throng-agent"); }));
  ws.read_message_max(16 * 1024 * 1024);
  auto [hec] = co_await ws.async_handshake(run_->target.host + ":" + std::to_string(run_->target.port),
                                           run_->target.path, use_nothrow);
  if (hec) {
    ++stats.counters.connect_errors;
    stats.counters.count_error("HANDSHAKE_FAILED");
    failure_ = "WebSocket handshake with " + run_->target.str() + " failed: " + hec.message();
    co_return false;
  }
  ws.text(format_ == wire_format::json);
  channel_ = std::make_shared<ws_channel>(std::move(ws), 64 * 1024 * 1024);
  channel_->start();

  chat::ClientFrame hello;
  hello.mutable_hello()->set_client("throng-agent");
  if (run_->plan.auth() == control::AUTH_MINTED_TOKEN) {
    // Synthetic users: a token signed with the target's test secret, valid for the whole run.
    const auto ttl_s = (run_->plan.duration_ns() + run_->plan.drain_ns()) / 1'000'000'000 + 3600;
    hello.mutable_hello()->set_token(issue_token(fmt::format("{}-u{}", run_->plan.run_id(), user_id_), ttl_s,
                                                 run_->plan.token_secret(), wall_ns() / 1'000'000'000));
  }
  if (run_->plan.batch()) hello.mutable_hello()->add_capabilities("batch");
  channel_->send(encode_frame(hello, format_));

  chat::ServerFrame frame;
  if (!co_await read_frame(frame)) co_return false;
  if (!frame.has_welcome()) {
    failure_ = "server did not welcome the user";
    if (frame.has_error()) {
      on_error(frame.error());
      failure_ += ": " + frame.error().message();
    }
    ++stats.counters.connect_errors;
    co_return false;
  }
  home_.stats.connect.record(mono_ns() - t_connect);
  ++home_.stats.counters.connects;

  const std::int64_t t_join = mono_ns();
  chat::ClientFrame join;
  join.mutable_join()->set_room(room_);
  channel_->send(encode_frame(join, format_));
  if (!co_await read_frame(frame)) co_return false;
  if (!frame.has_history()) {
    failure_ = "joining " + room_ + " failed";
    if (frame.has_error()) {
      on_error(frame.error());
      failure_ += ": " + frame.error().message();
    }
    co_return false;
  }
  home_.stats.history.record(mono_ns() - t_join);
  // Sequence tracking starts after what the room already holds.
  for (const auto& m : frame.history().messages()) last_seq_ = std::max(last_seq_, m.seq());
  co_return true;
}

net::awaitable<bool> virtual_user::read_frame(chat::ServerFrame& frame) {
  const auto r = co_await read_message(channel_->stream(), read_buffer_, frame);
  if (r.ec && r.ec.category() != frame_category()) co_return false;
  home_.stats.counters.wire_bytes_in += r.bytes;
  if (r.ec) {
    home_.stats.counters.count_error("MALFORMED_SERVER_FRAME");
    frame.Clear();
  }
  co_return true;
}

net::awaitable<void> virtual_user::read_loop() {
  chat::ServerFrame frame;
  while (co_await read_frame(frame)) on_frame(frame);
  if (!closed_ && !run_->stopping.load(std::memory_order_relaxed)) {
    ++home_.stats.counters.disconnects;
    log_debug("user {} disconnected", user_id_);
  }
  closed_ = true;
}

void virtual_user::on_frame(const chat::ServerFrame& frame) {
  switch (frame.kind_case()) {
    case chat::ServerFrame::kMessage: on_message(frame.message()); break;
    case chat::ServerFrame::kAck: on_ack(frame.ack()); break;
    case chat::ServerFrame::kError: on_error(frame.error()); break;
    case chat::ServerFrame::kBatch:
      for (const auto& inner : frame.batch().frames()) on_frame(inner);
      break;
    default: break;
  }
}

void virtual_user::on_message(const chat::ChatMessage& message) {
  const std::int64_t now = mono_ns();
  auto& c = home_.stats.counters;
  ++c.delivered;
  c.logical_bytes_in += message.body().size() * std::max<std::uint32_t>(1, message.dup_factor());
  // Both ends in controller time: the sender stamped its intended send time.
  home_.stats.e2e.record(now + run_->clock_offset_ns.load(std::memory_order_relaxed) - message.sent_at_ns());

  const std::uint64_t seq = message.seq();
  if (seq == last_seq_ + 1) {
    last_seq_ = seq;
  } else if (seq > last_seq_ + 1) {
    c.lost += seq - last_seq_ - 1;
    last_seq_ = seq;
  } else if (seq == last_seq_) {
    ++c.duplicated;
  } else {
    ++c.out_of_order;
  }
}

void virtual_user::on_ack(const chat::Ack& ack) {
  const std::int64_t now = mono_ns();
  auto& slot = in_flight_[ack.client_seq() % max_in_flight];
  if (slot.client_seq != ack.client_seq()) {
    home_.stats.counters.count_error("UNEXPECTED_ACK");
    return;
  }
  home_.stats.ack.record(now - slot.intended);
  home_.stats.ack_actual.record(now - slot.actual);
  slot.client_seq = 0;
  --outstanding_;
  ++home_.stats.counters.acked;
  // Everyone in the room, the sender included, should receive it.
  home_.stats.counters.expected += run_->room_members[room_index_];
}

void virtual_user::on_error(const chat::Error& error) {
  home_.stats.counters.count_error(chat::ErrorCode_Name(error.code()));
  log_debug("user {}: server error {}: {}", user_id_, chat::ErrorCode_Name(error.code()), error.message());
  if (error.client_seq() == 0) return;
  auto& slot = in_flight_[error.client_seq() % max_in_flight];
  if (slot.client_seq == error.client_seq()) {
    slot.client_seq = 0;
    --outstanding_;
  }
}

net::awaitable<void> virtual_user::send_loop() {
  auto self = shared_from_this();
  co_await home_.start_gate.async_wait(use_nothrow);  // cancelled by Start
  if (run_->stopping.load() || closed_ || run_->send_interval_ns <= 0) co_return;

  const std::int64_t start = run_->start_local_ns.load();
  const std::int64_t end = start + run_->plan.duration_ns();
  const std::int64_t interval = run_->send_interval_ns;
  // Spread users over the interval, deterministically from the seed.
  const std::int64_t phase = static_cast<std::int64_t>(mix(run_->plan.seed() ^ user_id_) % static_cast<std::uint64_t>(interval));
  net::steady_timer timer(home_.io);
  for (std::int64_t k = 0;; ++k) {
    const std::int64_t intended = start + phase + k * interval;
    if (intended >= end) break;
    if (mono_ns() < intended) {
      timer.expires_at(steady_at(intended));
      co_await timer.async_wait(use_nothrow);
    }
    if (closed_ || run_->stopping.load(std::memory_order_relaxed)) break;
    const std::int64_t now = mono_ns();
    // Open model: a late slot is still sent and its latency counts from the
    // schedule. Only hopelessly late slots, or more unacknowledged sends than
    // we track, are dropped, and every one is counted.
    if (now - intended > max_schedule_lag_ns || outstanding_ >= max_in_flight) {
      ++home_.stats.counters.dropped;
      continue;
    }
    send_one(intended, now);
  }
}

void virtual_user::send_one(std::int64_t intended, std::int64_t now) {
  const std::uint64_t client_seq = next_client_seq_++;
  auto* send = send_frame_.mutable_send();
  send->set_client_seq(client_seq);
  send->set_sent_at_ns(intended + run_->clock_offset_ns.load(std::memory_order_relaxed));
  std::string* body = send->mutable_body();
  body->clear();
  fmt::format_to(std::back_inserter(*body), "u{} #{} ", user_id_, client_seq);
  body->resize(run_->plan.message_bytes(), 'x');  // exactly message_size, the tag cut if it is longer

  auto frame = std::make_shared<const std::string>(encode_frame(send_frame_, format_));
  auto& c = home_.stats.counters;
  const auto wire = frame->size();
  if (!channel_->send(std::move(frame))) {
    ++c.dropped;  // our own outbound queue is full: the target is not reading
    return;
  }
  in_flight_[client_seq % max_in_flight] = {client_seq, intended, now};
  ++outstanding_;
  ++c.sent;
  c.wire_bytes_out += wire;
  c.logical_bytes_out += body->size() * std::max<std::uint32_t>(1, run_->plan.dup_factor());
}

}  // namespace throng::agent
