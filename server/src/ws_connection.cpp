#include "ws_connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "server_metrics.hpp"
#include "throng/common/chat_batch.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/free_buffer.hpp"
#include "throng/common/log.hpp"
#include "throng/common/receive_stamps.hpp"
#include "throng/common/ws_frame.hpp"
#include "throng/common/ws_handshake.hpp"

namespace throng::server {
namespace {

// One sendmsg carries at most this many frames and bytes, so that one
// connection's backlog cannot hold the shard's loop for long.
constexpr std::size_t max_frames_per_write = 500;   // two iovecs each, under IOV_MAX (1024)
constexpr std::size_t max_bytes_per_write = 512 * 1024;
// Reads per readiness: a client that floods does not starve the others.
constexpr int max_reads_per_turn = 4;

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

}  // namespace

void ws_events::on_peer_close(ws_connection& connection, std::uint16_t code) { connection.close(code); }

// ---- ws_connection: handshake and reading ------------------------------------

ws_connection::ws_connection(int fd, ws_outbox& outbox, ws_limits limits)
    : fd_(fd), outbox_(outbox), limits_(limits) {
  enable_receive_stamps(fd_);
}

// Reached with the socket open only once the shard's loop is gone (a live
// connection is finished first), when its poller may be gone too.
ws_connection::~ws_connection() {
  if (fd_ >= 0) ::close(fd_);
}

void ws_connection::close_socket() {
  if (fd_ < 0) return;
  outbox_.poller().forget(fd_);
  ::close(std::exchange(fd_, -1));
}

bool ws_connection::accept(const http_request& request, ws_events* events) {
  const auto key = request[http::field::sec_websocket_key];
  const auto version = request[http::field::sec_websocket_version];
  if (key.empty() || version != "13") {
    const std::string why = key.empty() ? "missing Sec-WebSocket-Key\n" : "unsupported Sec-WebSocket-Version; use 13\n";
    const std::string response = fmt::format(
        "HTTP/1.1 400 Bad Request\r\nServer: throng-server\r\nSec-WebSocket-Version: 13\r\n"
        "Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        why.size(), why);
    ::send(fd_, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);  // best effort
    ::shutdown(fd_, SHUT_RDWR);
    close_socket();
    return false;
  }
  events_ = events;
  last_read_ns_ = mono_ns();
  unsent_ = fmt::format(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: {}\r\nServer: throng-server\r\n\r\n",
      ws::accept_key(std::string_view(key.data(), key.size())));
  queued_bytes_ = unsent_.size();
  write_now();
  // Edges from here on come to this connection; one epoll_ctl for its life.
  if (!outbox_.poller().watch(fd_, this)) {
    log_warn("cannot watch a connection's socket: {}", std::strerror(errno));
    abort();
  }
  return true;
}

void ws_connection::on_ready(std::uint32_t events) {
  auto self = shared_from_this();  // its session may let go of it from within a message
  // A short read means drained, but not that the peer's end, already here, was read.
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_to_end_ = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable();
  if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && waiting_writable_ && !finished_) {
    waiting_writable_ = false;
    write_now();
  }
}

void ws_connection::on_readable() {
  if (fd_ < 0) return;
  std::int64_t stamp_wall_ns = 0;  // the kernel's receive stamp of the read's last segment, 0 when none
  const auto on_bytes = [this, &stamp_wall_ns](char* data, std::size_t n) {
    const std::int64_t now = mono_ns();
    last_read_ns_ = now;
    // The stamp is on the wall clock: its age dates it on the monotonic one (a wall-clock step moves it by at most 10 s).
    arrival_ns_ = stamp_wall_ns ? now - std::clamp<std::int64_t>(wall_ns() - stamp_wall_ns, 0, 10'000'000'000) : now;
    outbox_.metrics().bytes_in.add(n);
    const auto used = parse_after(partial_, data, n, [this](char* d, std::size_t size) { return parse(d, size); });
    if (finished_ || fd_ < 0) return false;
    if (used < 0) free_buffer(partial_);  // refused: from here on, what arrives is discarded
    return true;
  };
  const auto outcome = read_edge(fd_, outbox_.receive_buffer(), read_to_end_, max_reads_per_turn, on_bytes,
                                 [&stamp_wall_ns](int fd, char* data, std::size_t size) { return recv_stamped(fd, data, size, stamp_wall_ns); });
  switch (outcome) {
    case edge_outcome::end_of_stream:
      peer_closed_ = true;
      abort();
      break;
    case edge_outcome::more_waiting:
      net::post(outbox_.io(), [self = shared_from_this()] { self->on_readable(); });
      break;
    case edge_outcome::drained:
      if (partial_.empty()) free_buffer(partial_);  // an idle connection keeps no buffer
      break;
    case edge_outcome::stopped:
      break;
  }
}

std::ptrdiff_t ws_connection::parse(char* data, std::size_t size) {
  const auto violation = [this](std::string_view why) -> std::ptrdiff_t {
    end_reason_ = ws_end::protocol_error;
    close(1002, why);
    return -1;
  };
  std::size_t pos = 0;
  while (!finished_) {
    // After a refusal (too big, a violation) nothing more is parsed: the rest is discarded.
    if (end_reason_ != ws_end::closed) return static_cast<std::ptrdiff_t>(size);
    ws::frame_header h;
    const auto status = ws::parse_header(std::string_view(data + pos, size - pos), h);
    if (status == ws::header_status::incomplete) break;
    if (status == ws::header_status::bad) return violation("reserved bits set; no extension was negotiated");
    if (!h.masked) return violation("client frames must be masked (RFC 6455 5.3)");
    if (ws::is_control(h.opcode)) {
      if (!h.fin || h.length > 125) return violation("control frames are final and at most 125 bytes");
    } else if (h.length + (in_fragment_ ? fragments_.size() : 0) > limits_.max_message_bytes) {
      end_reason_ = ws_end::too_big;
      close(1009, fmt::format("frame larger than the server accepts ({} bytes)", limits_.max_message_bytes));
      return -1;
    }
    if (size - pos - h.size < h.length) break;  // the payload is still on its way
    char* payload = data + pos + h.size;
    const auto n = static_cast<std::size_t>(h.length);
    ws::apply_mask(payload, n, h.mask);
    pos += h.size + n;
    const std::string_view body(payload, n);
    switch (h.opcode) {
      case ws::op_text:
      case ws::op_binary:
        if (in_fragment_) return violation("a new message began inside a fragmented one");
        if (closing_) break;  // after our close, data is ignored (RFC 6455 1.4)
        if (h.fin) {
          events_->on_message(body, h.opcode == ws::op_text);
        } else {
          in_fragment_ = true;
          fragment_text_ = h.opcode == ws::op_text;
          fragments_.assign(body);
        }
        break;
      case ws::op_continuation:
        if (!in_fragment_) return violation("a continuation frame with no message to continue");
        fragments_.append(body);
        if (h.fin) {
          in_fragment_ = false;
          if (!closing_) events_->on_message(fragments_, fragment_text_);
          free_buffer(fragments_);
        }
        break;
      case ws::op_ping:
        if (!closing_) queue_control(ws::op_pong, std::string(body));
        break;
      case ws::op_pong:
        break;
      case ws::op_close: {
        peer_closed_ = true;
        if (close_written_) {
          abort();  // the answer to our close: done
        } else if (!closing_) {
          // Echo the peer's code (RFC 6455 5.5.1) once the session has queued what it owes
          // for earlier messages (their acks); the socket closes once the echo is written.
          const std::uint16_t code = n >= 2 ? static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8) |
                                                                         static_cast<std::uint8_t>(body[1]))
                                            : 1000;
          peer_closed_ns_ = mono_ns();
          events_->on_peer_close(*this, code);
        }
        return static_cast<std::ptrdiff_t>(size);
      }
      default:
        return violation("unknown opcode");
    }
  }
  return static_cast<std::ptrdiff_t>(pos);
}

// ---- writing ---------------------------------------------------------------------

bool ws_connection::send(shared_payload frame, std::int64_t stamp) {
  if (closing_) return false;
  if (queued_bytes_ > 0 && queued_bytes_ + frame->size() > limits_.max_queued_bytes) return false;
  queued_bytes_ += frame->size();
  queue_.push_back({std::move(frame), stamp, text_ ? ws::op_text : ws::op_binary});
  schedule();
  return true;
}

void ws_connection::queue_control(std::uint8_t opcode, std::string payload) {
  queued_bytes_ += payload.size();
  queue_.push_back({make_payload(std::move(payload)), 0, opcode});
  schedule();
}

void ws_connection::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  closing_since_ns_ = mono_ns();
  std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  payload.append(reason.substr(0, 123));  // a control frame carries at most 125 bytes
  queue_control(ws::op_close, std::move(payload));
}

void ws_connection::abort() {
  if (finished_) return;
  closing_ = true;
  queue_.clear();
  free_buffer(unsent_);
  queued_bytes_ = 0;
  if (fd_ < 0) return;
  ::shutdown(fd_, SHUT_RDWR);
  close_socket();
  // Finished from the loop, not from inside the handler that aborts.
  net::post(outbox_.io(), [self = shared_from_this()] { self->finish(); });
}

void ws_connection::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  close_socket();
  if (auto* events = std::exchange(events_, nullptr)) events->on_end(end_reason_);
}

void ws_connection::sweep(std::int64_t now_ns, std::int64_t idle_timeout_ns) {
  if (finished_) return;
  if (peer_closed_ && !closing_ && now_ns - peer_closed_ns_ > close_grace_ns) {
    close(1000);  // the session never answered the peer's close
  } else if (closing_) {
    // The peer has close_grace to answer once our close is on the wire, and
    // a reader that slow may take close_limit to get there at all.
    if ((close_written_ && now_ns - close_written_ns_ > close_grace_ns) || now_ns - closing_since_ns_ > close_limit_ns)
      abort();
  } else if (idle_timeout_ns > 0 && now_ns - last_read_ns_ > idle_timeout_ns) {
    close(1001, "idle: nothing received within --idle-timeout");
  }
}

void ws_connection::schedule() {
  if (scheduled_ || waiting_writable_ || finished_) return;
  scheduled_ = true;
  outbox_.schedule(shared_from_this());
}

bool ws_connection::ready_to_write() { return !finished_ && !waiting_writable_ && write_unsent() && !queue_.empty(); }

bool ws_connection::prepare(write_arena& arena, prepared_write& out) {
  const std::size_t take = std::min(queue_.size(), max_frames_per_write);
  // At worst two iovecs and a header plus a batch prefix per frame, and one batch head.
  if (!arena.fits(2 * take + 1, (take + 1) * (ws::max_header_size + max_batch_prefix))) return false;
  out = prepared_write{};
  out.first_iov = arena.iov.size();
  const auto add = [&](const void* p, std::size_t n) {
    arena.iov.push_back({const_cast<void*>(p), n});
    out.bytes += n;
  };
  const auto head_space = [&arena] { return arena.heads.data() + arena.heads_used; };
  const auto is_data = [this](std::size_t i) { return !ws::is_control(queue_[i].opcode); };
  std::size_t i = 0;
  while (i < take && out.bytes < max_bytes_per_write) {
    std::size_t run = 1;
    if (batching_ && is_data(i))
      while (i + run < take && is_data(i + run)) ++run;
    if (run > 1) {
      // One binary message: ServerFrame{batch{frames}}, its pieces pointing at the shared frames.
      std::size_t inner = 0;
      for (std::size_t k = i; k < i + run; ++k) inner += batch_item_size(queue_[k].payload->size());
      char batch_head[max_batch_prefix];
      const std::size_t batch_head_size = write_batch_head(batch_head, inner);
      char* head = head_space();
      const std::size_t ws_head = ws::write_header(head, ws::op_binary, batch_head_size + inner);
      std::memcpy(head + ws_head, batch_head, batch_head_size);
      add(head, ws_head + batch_head_size);
      arena.heads_used += ws_head + batch_head_size;
      for (std::size_t k = i; k < i + run; ++k) {
        const auto& p = *queue_[k].payload;
        char* prefix = head_space();
        const std::size_t n = write_batch_item_prefix(prefix, p.size());
        add(prefix, n);
        arena.heads_used += n;
        add(p.data(), p.size());
      }
    } else {
      const auto& f = queue_[i];
      char* head = head_space();
      const std::size_t n = ws::write_header(head, f.opcode, f.payload->size());
      add(head, n);
      arena.heads_used += n;
      if (!f.payload->empty()) add(f.payload->data(), f.payload->size());
    }
    i += run;
  }
  out.frames = i;
  out.iov_count = arena.iov.size() - out.first_iov;
  out.message.msg_iov = arena.iov.data() + out.first_iov;
  out.message.msg_iovlen = out.iov_count;
  return true;
}

bool ws_connection::complete(const write_arena& arena, const prepared_write& write, long result) {
  auto& metrics = outbox_.metrics();
  metrics.socket_writes.add();
  if (result < 0 && result != -EAGAIN && result != -EWOULDBLOCK) {
    abort();  // the peer is gone: nothing queued can be delivered any more
    return false;
  }
  const auto n = static_cast<std::size_t>(std::max<long>(result, 0));
  metrics.bytes_out.add(n);
  const auto now = mono_ns();
  last_write_ns_ = now;
  bool close_sent = false;
  for (std::size_t k = 0; k < write.frames; ++k) {
    const auto& f = queue_[k];
    if (f.stamp) metrics.added.observe(now - f.stamp);
    queued_bytes_ -= f.payload->size();
    close_sent |= f.opcode == ws::op_close;
  }
  if (n < write.bytes) keep_unsent(arena, write, n);
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(write.frames));
  if (!unsent_.empty()) {
    close_in_unsent_ = close_sent;
    wait_writable();
    return false;
  }
  if (close_sent) {
    after_close_written();
    return false;
  }
  return !queue_.empty();
}

bool ws_connection::write_unsent() {
  if (unsent_.empty()) return true;
  auto& metrics = outbox_.metrics();
  const ssize_t sent = ::send(fd_, unsent_.data(), unsent_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  metrics.socket_writes.add();
  metrics.write_calls.add();
  if (sent < 0 && !would_block(errno)) {
    abort();
    return false;
  }
  const auto n = static_cast<std::size_t>(std::max<ssize_t>(sent, 0));
  metrics.bytes_out.add(n);
  queued_bytes_ -= n;
  if (n < unsent_.size()) {
    unsent_.erase(0, n);
    wait_writable();
    return false;
  }
  free_buffer(unsent_);
  if (close_in_unsent_) {
    close_in_unsent_ = false;
    after_close_written();
    return false;
  }
  return true;
}

void ws_connection::write_now() {
  if (!ready_to_write()) return;
  auto& arena = outbox_.arena();
  for (;;) {
    arena.clear();
    prepared_write write;
    prepare(arena, write);  // an empty arena always fits one write
    const ssize_t sent = ::sendmsg(fd_, &write.message, MSG_NOSIGNAL | MSG_DONTWAIT);
    outbox_.metrics().write_calls.add();
    if (!complete(arena, write, sent < 0 ? -errno : sent) || finished_) return;
  }
}

void ws_connection::keep_unsent(const write_arena& arena, const prepared_write& write, std::size_t sent) {
  for (std::size_t k = write.first_iov; k < write.first_iov + write.iov_count; ++k) {
    const auto& v = arena.iov[k];
    if (sent >= v.iov_len) {
      sent -= v.iov_len;
      continue;
    }
    unsent_.append(static_cast<const char*>(v.iov_base) + sent, v.iov_len - sent);
    sent = 0;
  }
  queued_bytes_ += unsent_.size();
}

void ws_connection::wait_writable() {
  // The socket's next EPOLLOUT edge (its send buffer draining) writes on.
  waiting_writable_ = true;
}

void ws_connection::after_close_written() {
  close_written_ = true;
  close_written_ns_ = mono_ns();
  queue_.clear();
  queued_bytes_ = unsent_.size();
  if (peer_closed_) {
    abort();
    return;
  }
  // Our side is done; the peer's close (or its end of the stream) ends it, or the sweep.
  ::shutdown(fd_, SHUT_WR);
}

}  // namespace throng::server
