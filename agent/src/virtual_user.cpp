#include "virtual_user.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "model/backoff.hpp"
#include "model/message_body.hpp"
#include "model/schedule.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/free_buffer.hpp"
#include "throng/common/log.hpp"
#include "throng/common/plan_limits.hpp"
#include "throng/common/token.hpp"
#include "worker.hpp"

namespace throng::agent {

namespace {
constexpr std::int64_t max_schedule_lag_ns = 1'000'000'000;  // later than this, a slot is dropped
constexpr std::int64_t backoff_base_ns = 100'000'000;
constexpr std::int64_t backoff_max_ns = 5'000'000'000;
constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

}  // namespace

virtual_user::virtual_user(worker& home, std::shared_ptr<run_context> run, std::uint64_t slot, std::uint64_t user)
    : home_(home),
      run_(std::move(run)),
      slot_(slot),
      user_(user),
      send_random_(run_->plan.seed(), user_, stream::sends) {
  for (auto r : run_->rooms_of(user_)) rooms_.push_back({r, run_->room_name(r), {}});
}

virtual_user::~virtual_user() {
  home_.deadlines.cancel(session_deadline_);
  home_.deadlines.cancel(send_deadline_);
}

bool virtual_user::over() const {
  return ended_ || mono_ns() >= session_end_;
}

net::awaitable<void> virtual_user::sleep_until(std::int64_t mono) {
  if (!timer_) timer_ = std::make_unique<net::steady_timer>(home_.io);
  timer_->expires_at(steady_at(mono));
  co_await timer_->async_wait(use_nothrow);
}

void virtual_user::wake() {
  if (timer_) timer_->cancel();
}

void virtual_user::start(bool report_ready) {
  const std::int64_t start = run_->start_local_ns.load();
  // Users connected before the start begin their session at the start (begin_sending).
  if (start) session_end_ = run_->session_end(user_, std::max(start, mono_ns()));
  report_ready_ = report_ready;
  connect_when_paced();
}

void virtual_user::connect_when_paced() {
  const std::int64_t now = mono_ns();
  const std::int64_t at = home_.pacer.reserve(now);
  if (at > now) {
    session_wait_ = session_wait::connect_slot;
    home_.deadlines.schedule(session_deadline_, at);
    return;
  }
  connect_now();
}

void virtual_user::connect_now() {
  session_wait_ = session_wait::none;
  net::co_spawn(home_.io, [self = shared_from_this()] { return self->connect_session(); }, log_exceptions{"virtual user"});
}

void virtual_user::on_session_deadline(std::int64_t) {
  const auto waited = std::exchange(session_wait_, session_wait::none);
  if (over()) {
    finish();
    return;
  }
  if (waited == session_wait::backoff) {
    ++home_.stats.counters.reconnects;
    connect_when_paced();
    return;
  }
  connect_now();  // the connect slot reserved for it has come
}

net::awaitable<void> virtual_user::connect_session() {
  if (!over()) {
    const bool ok = co_await connect_and_join(rejoin_);
    if (std::exchange(report_ready_, false)) home_.user_ready(ok ? std::string{} : failure_);
    if (ok) {
      go_live();
      co_return;
    }
  }
  finish();
}

void virtual_user::go_live() {
  timer_.reset();  // a live user holds no timer of its own
  free_buffer(failure_);
  conn_->release_buffers();  // the hello and the joins are long written
  connected_ = connected_once_ = true;
  ++home_.connected_users;
  phase_ = phase::live;
  if (sender_ == sender_state::unstarted) {
    // Users connected before the start wait for it; later sessions (churn, arrivals) go at once.
    if (home_.started) begin_sender();
    else sender_ = sender_state::waiting_for_start;
  }
  if (conn_->finished()) on_disconnected();  // it ended while the last join was answered
}

void virtual_user::on_peer_close(std::uint16_t code, std::string_view reason) {
  // The server ended the session (too big a frame, a policy, its shutdown): an
  // error with its code, and the reason said once per code and worker, for the
  // summary alone would not say why the sends went unacknowledged.
  home_.stats.counters.count_error(fmt::format("SERVER_CLOSE_{}", code));
  if (home_.first_close_of(code))
    log_warn("the server closed user {}'s connection with code {}: {}{}", user_, code,
             reason.empty() ? "(no reason given)" : reason,
             code == 1009 ? "; lower the message size or raise the server's --max-message-bytes" : "");
}

void virtual_user::on_closed() {
  if (connected_) on_disconnected();
  else wake();  // the connecting coroutine sees it
}

void virtual_user::on_disconnected() {
  connected_ = false;
  --home_.connected_users;
  forget_in_flight();
  // From a deadline, not from within the connection's event: the user may let go of it.
  session_wait_ = session_wait::backoff;
  rejoin_ = true;
  std::int64_t delay = std::exchange(reconnect_delay_ns_, -1);
  if (over()) {
    delay = 0;  // the session is over: only finish
  } else if (delay < 0) {
    // Not asked for: the server or the network dropped us.
    ++home_.stats.counters.disconnects;
    rng jitter(run_->plan.seed(), user_ ^ sends_, stream::backoff);
    delay = backoff_delay(0, backoff_base_ns, backoff_max_ns, jitter.uniform());
  }
  home_.deadlines.schedule(session_deadline_, mono_ns() + delay);
}

void virtual_user::finish() {
  auto self = shared_from_this();  // the worker lets go of it here
  ended_ = true;
  home_.deadlines.cancel(session_deadline_);
  home_.deadlines.cancel(send_deadline_);
  if (conn_) {
    conn_->detach();
    conn_->abort();
  }
  close_gaps();
  home_.remove(*this);
  home_.session_over(*this, connected_once_);
}

void virtual_user::close_gaps() {
  // Whatever is still missing now will not come.
  sequence_counts counts;
  for (auto& room : rooms_) room.seqs.close(counts);
  home_.add(counts);
}

void virtual_user::end() {
  if (ended_) return;
  ended_ = true;
  if (conn_ && !conn_->closing()) {
    chat::ClientFrame leave;
    for (const auto& room : rooms_) {
      leave.mutable_leave()->set_room(room.name);
      write(leave);
    }
    conn_->close(1000);
    // A server that never answers the close must not keep the slot: drop it after a grace.
    auto grace = std::make_shared<net::steady_timer>(home_.io, std::chrono::seconds(2));
    grace->async_wait([grace, conn = conn_](error_code ec) {
      if (!ec) conn->abort();
    });
  }
  if (timer_) timer_->cancel();  // a connecting coroutine sees the end
  home_.deadlines.cancel(send_deadline_);
  // A user waiting for its connect slot or backoff finishes now (from a deadline, not from within end()).
  if (session_deadline_.queued()) home_.deadlines.schedule(session_deadline_, mono_ns());
}

void virtual_user::drop(std::int64_t delay_ns) {
  if (ended_ || !connected_ || !conn_) return;
  reconnect_delay_ns_ = delay_ns;
  conn_->abort();
}

net::awaitable<bool> virtual_user::connect_and_join(bool rejoin) {
  rng jitter(run_->plan.seed(), user_ + (rejoin ? home_.stats.counters.reconnects : 0), stream::backoff);
  for (std::uint64_t n = 0; n < run_->max_connect_attempts; ++n) {
    if (n > 0) {
      // A retry: the first attempt's connect slot was taken before this coroutine began.
      co_await sleep_until(mono_ns() + backoff_delay(static_cast<unsigned>(n - 1), backoff_base_ns, backoff_max_ns, jitter.uniform()));
      if (over()) co_return false;
      const std::int64_t at = home_.pacer.reserve(mono_ns());
      if (at > mono_ns()) co_await sleep_until(at);
    }
    if (over()) co_return false;
    if (co_await attempt(rejoin)) co_return true;
    if (conn_) {
      conn_->detach();
      conn_->abort();
    }
    conn_.reset();
  }
  co_return false;
}

net::awaitable<bool> virtual_user::attempt(bool rejoin) {
  auto& counters = home_.stats.counters;
  const auto& plan = run_->plan;
  const std::int64_t t_connect = mono_ns();
  const auto fail = [&](connect_failure cause, std::string detail) {
    ++counters.connect_errors;
    counters.count_error(connect_failure_code(cause));
    failure_ = std::move(detail);
    return false;
  };

  if (plan.auth() == control::AUTH_REGISTER_LOGIN && token_.empty()) {
    std::string error;
    token_ = co_await register_and_login(home_.io.get_executor(), run_->auth_api->url, run_->auth_api->endpoint,
                                         run_->user_name(user_), run_->password_of(user_), plan.connect_timeout_ns(),
                                         error);
    if (token_.empty()) co_return fail(connect_failure::auth, error);
  }
  auto opened = co_await open_websocket(run_->target_of(slot_), run_->source_of(slot_),
                                        plan.connect_timeout_ns(), home_.ws_buffers);
  if (!opened.ws) co_return fail(opened.failure, opened.detail);
  if (conn_) conn_->detach();  // an earlier session's connection, if it still lingers
  conn_ = std::move(opened.ws);
  // The server must welcome the user and answer every join within the connect timeout.
  const std::int64_t deadline = mono_ns() + plan.connect_timeout_ns();

  chat::ClientFrame hello;
  hello.mutable_hello()->set_client("throng-agent");
  if (plan.auth() == control::AUTH_MINTED_TOKEN) {
    // Synthetic users: a token signed with the target's test secret, valid for the whole run.
    const auto ttl_s = (run_->send_end_ns + plan.drain_ns()) / 1'000'000'000 + 3600;
    hello.mutable_hello()->set_token(issue_token(run_->user_name(user_), ttl_s, plan.token_secret(), wall_ns() / 1'000'000'000));
  } else if (plan.auth() == control::AUTH_REGISTER_LOGIN) {
    hello.mutable_hello()->set_token(token_);
  }
  if (plan.batch()) hello.mutable_hello()->add_capabilities("batch");
  phase_ = phase::welcome;
  histories_ = 0;
  refused_ = false;
  failure_.clear();
  conn_->start(this);
  write(hello);

  while (phase_ == phase::welcome && !refused_) {
    if (conn_->finished()) co_return fail(connect_failure::handshake, "connection closed before the welcome");
    if (mono_ns() >= deadline) co_return fail(connect_failure::timeout, "no welcome from the server within the connect timeout");
    co_await sleep_until(deadline);
  }
  if (refused_)
    co_return fail(connect_failure::auth,
                   "server did not welcome the user: " + failure_ +
                       (plan.auth() == control::AUTH_MINTED_TOKEN
                            ? " (the token was signed with the run's test secret, target.test_token_secret or "
                              "throng-agent run --token-secret: it must be the server's --test-token-secret)"
                            : ""));
  home_.stats.connect.record(mono_ns() - t_connect);
  ++counters.connects;

  // Join every room; a rejoin asks for what was missed since the last seq seen.
  const std::int64_t t_join = mono_ns();
  chat::ClientFrame join;
  for (auto& room : rooms_) {
    join.mutable_join()->set_room(room.name);
    join.mutable_join()->set_since_seq(rejoin && room.seqs.has_baseline() ? room.seqs.resume_from() : 0);
    write(join);
  }
  while (phase_ != phase::live && !refused_) {
    if (conn_->finished()) co_return fail(connect_failure::handshake, "connection closed while joining");
    if (mono_ns() >= deadline) co_return fail(connect_failure::timeout, "the joins were not answered within the connect timeout");
    co_await sleep_until(deadline);
  }
  if (refused_) co_return fail(connect_failure::handshake, failure_);
  home_.stats.history.record(mono_ns() - t_join);
  co_return true;
}

int virtual_user::room_slot(const std::string& room) const {
  for (std::size_t i = 0; i < rooms_.size(); ++i)
    if (rooms_[i].name == room) return static_cast<int>(i);
  return -1;
}

void virtual_user::write(const chat::ClientFrame& frame) {
  std::string& payload = home_.encode_scratch;
  run_->adapter->encode(frame, payload);
  home_.stats.counters.wire_bytes_out += payload.size();
  conn_->send(payload, run_->adapter->text_frames());
}

void virtual_user::on_message(std::string_view payload, bool text) {
  home_.stats.counters.wire_bytes_in += payload.size();
  // The worker's frame: decoded and handled with no suspension in between,
  // so users share it, and its parsed sub-messages are not kept per user.
  chat::ServerFrame& frame = home_.receive_frame;
  if (!run_->adapter->decode(payload, text, frame)) {
    home_.stats.counters.count_error("MALFORMED_SERVER_FRAME");
    return;
  }
  if (phase_ == phase::live) {
    on_frame(frame);
    return;
  }
  const phase before = phase_;
  if (phase_ == phase::joining) {
    on_join_frame(frame);
  } else if (frame.has_welcome()) {
    phase_ = phase::joining;  // histories come next, once the joins are written
  } else if (frame.has_error()) {
    on_error(frame.error());
    refused_ = true;
    failure_ = frame.error().message();
    if (frame.error().code() == chat::BAD_TOKEN || frame.error().code() == chat::TOKEN_EXPIRED) token_.clear();
  }
  if (phase_ != before || refused_) wake();  // the session's coroutine waits for this
}

// Under load the server may batch a history with live traffic: look inside batches too.
void virtual_user::on_join_frame(const chat::ServerFrame& f) {
  if (f.has_batch()) {
    for (const auto& inner : f.batch().frames()) phase_ == phase::joining ? on_join_frame(inner) : on_frame(inner);
  } else if (f.has_history() && room_slot(f.history().room()) >= 0) {
    on_history(f.history());
    if (++histories_ == rooms_.size()) phase_ = phase::live;  // what follows is live traffic
  } else if (f.has_error() && f.error().client_seq() == 0) {
    on_error(f.error());
    refused_ = true;
    failure_ = "joining " + f.error().room() + " failed: " + f.error().message();
  } else {
    on_frame(f);
  }
}

void virtual_user::on_history(const chat::History& history) {
  auto& tracker = rooms_[static_cast<std::size_t>(room_slot(history.room()))].seqs;
  if (tracker.has_baseline()) {
    for (const auto& m : history.messages()) on_chat_message(m, true);
    return;
  }
  // A first join: what the room holds already is the baseline, not news.
  std::uint64_t last = 0;
  for (const auto& m : history.messages()) last = std::max(last, m.seq());
  tracker.set_baseline(last);
}

void virtual_user::on_frame(const chat::ServerFrame& frame) {
  switch (frame.kind_case()) {
    case chat::ServerFrame::kMessage: on_chat_message(frame.message(), false); break;
    case chat::ServerFrame::kAck: on_ack(frame.ack()); break;
    case chat::ServerFrame::kError: on_error(frame.error()); break;
    case chat::ServerFrame::kHistory:
      if (room_slot(frame.history().room()) >= 0) on_history(frame.history());
      break;
    case chat::ServerFrame::kBatch:
      for (const auto& inner : frame.batch().frames()) on_frame(inner);
      break;
    default: break;
  }
}

void virtual_user::on_chat_message(const chat::ChatMessage& message, bool replay) {
  const std::int64_t now = mono_ns();
  auto& stats = home_.stats;
  ++stats.counters.delivered;
  stats.counters.logical_bytes_in += message.body().size() * std::max<std::uint32_t>(1, message.dup_factor());
  const std::int64_t offset = run_->clock_offset_ns.load(std::memory_order_relaxed);
  // Both ends in controller time: the sender stamped its intended send time.
  stats.e2e.record(now + offset - message.sent_at_ns());
  // Our own users' messages, once more on this agent's clock alone.
  if (const auto sender = run_->user_of(message.sender()); sender && run_->is_local_user(*sender))
    stats.e2e_local.record(now - (message.sent_at_ns() - offset));

  const int r = room_slot(message.room());
  if (r < 0) return;
  sequence_counts counts;
  auto& tracker = rooms_[static_cast<std::size_t>(r)].seqs;
  tracker.on_seq(message.seq(), now, run_->gap_grace_ns, counts, replay);
  home_.add(counts);
}

void virtual_user::expire_gaps(std::int64_t now) {
  sequence_counts counts;
  for (auto& room : rooms_) room.seqs.expire(now, counts);
  home_.add(counts);
}

void virtual_user::on_ack(const chat::Ack& ack) {
  const std::int64_t now = mono_ns();
  if (in_flight_.empty()) {
    home_.stats.counters.count_error("UNEXPECTED_ACK");
    return;
  }
  auto& slot = in_flight_[ack.client_seq() % in_flight_.size()];
  if (slot.client_seq != ack.client_seq()) {
    home_.stats.counters.count_error("UNEXPECTED_ACK");
    return;
  }
  home_.stats.ack.record(now - slot.intended);
  home_.stats.ack_actual.record(now - slot.actual);
  // The agent's own part: the send's wait for the write that carried it, and
  // the ack's wait from the kernel's receipt to here. Where a piece is not
  // known (another message came after the ack in one read, the send waited
  // behind a full socket, or its write is too old to be remembered), the ack
  // is counted as unknown: the whole
  // latency would charge the network's time to the agent. The part is never
  // more than the whole (a long write of many connections may end after this
  // send's ack came).
  const auto& buffers = home_.ws_buffers;
  const std::int64_t written = slot.flush ? buffers.flush_end(slot.flush - 1) : 0;
  const std::int64_t arrived = buffers.message_arrival_ns;
  const std::int64_t whole = now - slot.intended;
  if (written && arrived)
    home_.stats.agent_added.record(
        std::min(whole, std::max<std::int64_t>(0, written - slot.intended) + std::max<std::int64_t>(0, wall_ns() - arrived)));
  else
    ++home_.stats.counters.agent_added_unknown;
  ++home_.stats.counters.acked;
  // Everyone in the room, the sender included, should receive it.
  if (!run_->room_members.empty()) home_.stats.counters.expected += run_->room_members[slot.room];
  slot.client_seq = 0;
  --outstanding_;
  wake_closed_loop();
}

void virtual_user::on_error(const chat::Error& error) {
  home_.stats.counters.count_error(chat::ErrorCode_Name(error.code()));
  log_debug("user {}: server error {}: {}", user_, chat::ErrorCode_Name(error.code()), error.message());
  if (error.client_seq() == 0 || in_flight_.empty()) return;
  auto& slot = in_flight_[error.client_seq() % in_flight_.size()];
  if (slot.client_seq == error.client_seq()) {
    slot.client_seq = 0;
    --outstanding_;
    wake_closed_loop();
  }
}


void virtual_user::forget_in_flight() {
  // Sends the connection took with it: the server may or may not have them.
  if (outstanding_) home_.stats.counters.errors_by_code[ended_ ? "UNACKED_AT_END" : "UNACKED_AT_DISCONNECT"] += outstanding_;
  home_.stats.counters.errors += outstanding_;
  for (auto& s : in_flight_) s.client_seq = 0;
  outstanding_ = 0;
  wake_closed_loop();
}

bool virtual_user::sends_per_user() const {
  const auto model = run_->plan.send_model();
  return model == control::SEND_FIXED_RATE || model == control::SEND_POISSON || model == control::SEND_THINK_TIME;
}

std::int64_t virtual_user::send_end() const { return run_->start_local_ns.load() + run_->send_end_ns; }

std::int64_t virtual_user::begin_sending() {
  const std::int64_t start = run_->start_local_ns.load();
  // A user connected before the start begins its session at the start.
  if (session_end_ == never) session_end_ = run_->session_end(user_, std::max(start, mono_ns()));
  return start + run_->send_end_ns;
}

void virtual_user::on_run_start() {
  if (sender_ == sender_state::waiting_for_start && !ended_) begin_sender();
}

void virtual_user::begin_sender() {
  sender_ = sender_state::sending;
  const auto& plan = run_->plan;
  const std::int64_t start = run_->start_local_ns.load();
  begin_sending();
  const std::int64_t from = std::max(mono_ns(), start);
  if (plan.send_model() == control::SEND_CLOSED_LOOP) {
    // Users start spread over the first think time, not all at the same instant.
    next_send_ = from + send_gap(plan, 1, send_random_) / 2;
    schedule_closed_loop();
    return;
  }
  next_send_ = never;
  if (sends_per_user()) {
    // The first slot: fixed rates spread users over one interval; random gaps start one gap in.
    const std::int64_t gap = send_gap(plan, run_->rate_multiplier.load(), send_random_);
    next_send_ = plan.send_model() == control::SEND_FIXED_RATE
                     ? first_slot(from - start, static_cast<std::int64_t>(send_random_.below(static_cast<std::uint64_t>(gap))), gap) + start
                     : from + gap;
  }
  schedule_open_model();
}

void virtual_user::on_send_deadline(std::int64_t now) {
  if (ended_ || sender_ != sender_state::sending) return;
  const bool closed_loop = run_->plan.send_model() == control::SEND_CLOSED_LOOP;
  if (run_->stopping.load(std::memory_order_relaxed) || (closed_loop && now >= send_end())) {
    sender_ = sender_state::done;
    return;
  }
  if (now >= session_end_) {
    sender_ = sender_state::done;
    end();
    return;
  }
  if (closed_loop) closed_loop_step(now);
  else open_model_step(now);
}

// The open models: a slot is sent when it is due, whatever came back, and a
// late one still counts its latency from the schedule.
void virtual_user::open_model_step(std::int64_t now) {
  if (sends_per_user() && now >= next_send_ && next_send_ < send_end()) {
    const std::int64_t intended = next_send_;
    next_send_ = intended + send_gap(run_->plan, run_->rate_multiplier.load(std::memory_order_relaxed), send_random_);
    // Paused slots are skipped on purpose.
    if (!run_->paused.load(std::memory_order_relaxed)) send_one(intended, now);
  }
  schedule_open_model();
}

void virtual_user::schedule_open_model() {
  std::int64_t wake = session_end_;  // group-rate and listen-only users wait only for their session's end
  if (sends_per_user()) {
    if (next_send_ >= send_end()) {
      sender_ = sender_state::done;
      return;
    }
    wake = std::min(wake, next_send_);
  }
  if (wake == never) {
    sender_ = sender_state::done;  // listen only, for the whole run
    return;
  }
  home_.deadlines.schedule(send_deadline_, wake);
}

// Send, wait for the answer, think, again: the loop of a user who waits for
// the server. There is no schedule to fall behind, so latency counts from the
// actual send and a slow server lowers the rate instead of showing as lag
// (what closed-model tools measure; the open models avoid that bias).
void virtual_user::closed_loop_step(std::int64_t now) {
  if (awaiting_ack_) {
    awaiting_ack_ = false;
    home_.stats.counters.count_error("ACK_TIMEOUT");  // no answer in time: count it and go on
    next_send_ = now + send_gap(run_->plan, run_->rate_multiplier.load(std::memory_order_relaxed), send_random_);
  } else if (now >= next_send_) {
    if (!connected_ || run_->paused.load(std::memory_order_relaxed)) {
      next_send_ = now + 10'000'000;  // nothing to wait for: look again shortly
    } else {
      send_one(now, now);
      if (outstanding_ == 0) {
        next_send_ = now + 10'000'000;  // not sent (counted as dropped): never spin
      } else {
        awaiting_ack_ = true;
        home_.deadlines.schedule(send_deadline_, now + run_->plan.connect_timeout_ns());
        return;
      }
    }
  }
  schedule_closed_loop();
}

void virtual_user::schedule_closed_loop() {
  home_.deadlines.schedule(send_deadline_, std::min({next_send_, send_end(), session_end_}));
}

void virtual_user::wake_closed_loop() {
  if (!awaiting_ack_) return;
  awaiting_ack_ = false;
  if (ended_ || sender_ != sender_state::sending) return;
  next_send_ = mono_ns() + send_gap(run_->plan, run_->rate_multiplier.load(std::memory_order_relaxed), send_random_);
  schedule_closed_loop();
}

void virtual_user::send_one(std::int64_t intended, std::int64_t now) {
  auto& c = home_.stats.counters;
  // Open model: a late slot is still sent and its latency counts from the
  // schedule. A slot we cannot send (no connection, hopelessly late, too many
  // unacknowledged) is dropped, and every one is counted.
  if (!connected_ || !conn_ || now - intended > max_schedule_lag_ns || outstanding_ >= max_in_flight) {
    ++c.dropped;
    return;
  }
  if (in_flight_.size() <= outstanding_) {
    // Grow the ack ring (powers of two) and re-place what is pending.
    std::vector<in_flight> bigger(std::max<std::size_t>(4, in_flight_.size() * 2));
    for (const auto& s : in_flight_)
      if (s.client_seq) bigger[s.client_seq % bigger.size()] = s;
    in_flight_.swap(bigger);
  }
  const std::uint64_t client_seq = next_client_seq_++;
  auto& slot = in_flight_[client_seq % in_flight_.size()];
  if (slot.client_seq) {
    ++c.dropped;  // its ring place still waits for an older ack
    return;
  }
  const auto& plan = run_->plan;
  const std::uint32_t room = static_cast<std::uint32_t>(sends_++ % rooms_.size());
  std::size_t size = plan.message_bytes();
  if (distribution_is_set(plan.message_size())) {
    rng sizes(plan.seed(), user_ ^ (client_seq << 20), stream::sizes);
    // A distribution's tail (exponential, log-normal) is not bounded by its parameters.
    size = static_cast<std::size_t>(std::min(sample(plan.message_size(), sizes), static_cast<double>(max_message_bytes)));
  }
  chat::ClientFrame& frame = home_.send_frame;  // reused: no per-send message allocation
  auto* send = frame.mutable_send();
  send->set_room(rooms_[room].name);
  send->set_client_seq(client_seq);
  send->set_sent_at_ns(intended + run_->clock_offset_ns.load(std::memory_order_relaxed));
  send->set_dup_factor(plan.dup_factor());
  // The name is rendered per send, not kept per user: an idle user is smaller by it.
  run_->write_user_name(user_, home_.name_scratch);
  render_body(plan.body_template(), home_.name_scratch, client_seq, size, *send->mutable_body());

  std::string& payload = home_.encode_scratch;
  run_->adapter->encode(frame, payload);
  const auto wire = payload.size();
  if (!conn_->send(payload, run_->adapter->text_frames())) {
    ++c.dropped;  // the kernel and our queue are full: the target is not reading
    return;
  }
  const std::uint32_t flush = conn_->waiting_for_kernel() ? 0 : home_.ws_buffers.next_flush() + 1;
  slot = {client_seq, intended, now, rooms_[room].index, flush};
  ++outstanding_;
  ++c.sent;
  c.wire_bytes_out += wire;
  c.logical_bytes_out += send->body().size() * std::max<std::uint32_t>(1, plan.dup_factor());
}

}  // namespace throng::agent
