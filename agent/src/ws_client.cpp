#include "ws_client.hpp"

#include "socket_wait.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "throng/common/clock.hpp"
#include "throng/common/free_buffer.hpp"
#include "throng/common/random.hpp"
#include "throng/common/receive_stamps.hpp"
#include "throng/common/ws_frame.hpp"
#include "throng/common/ws_handshake.hpp"

namespace throng::agent {

using namespace ws;

ws_client::ws_client(int fd, ws_client_buffers& buffers) : fd_(fd), buffers_(buffers) {
  // With each segment's arrival, what the agent then adds to an ack's latency
  // is measured, not guessed (an unstamped arrival counts the whole latency).
  enable_receive_stamps(fd_);
}

// With the socket still open: a connection the user let go after the peer's
// close (its echo written), or one destroyed with its worker's loop, when the
// poller may be gone. The poller tells a later socket with this number apart.
ws_client::~ws_client() {
  if (fd_ >= 0) ::close(fd_);
}

net::awaitable<std::shared_ptr<ws_client>> ws_client::handshake(int fd, ws_client_buffers& buffers,
                                                                const std::string& host_port, const std::string& path,
                                                                std::int64_t deadline, std::string& error) {
  const std::string key = client_key(buffers.mask_state);
  const std::string request = upgrade_request(host_port, path, key, "throng-agent");
  std::string response;
  std::size_t head_end = std::string::npos;
  // Every failure closes the socket (a live socket_wait then parks a forgotten descriptor: nothing).
  const auto give_up = [&](std::string why) {
    error = std::move(why);
    drop_attempt(buffers.poller, fd);
    return std::shared_ptr<ws_client>{};
  };
  {
    socket_wait wait(buffers.poller, buffers.io, fd);
    if (!wait.ok()) co_return give_up(std::string("cannot watch the socket: ") + std::strerror(errno));
    // The deadline covers the whole exchange: a silent server is dropped.
    for (std::size_t sent = 0; sent < request.size();) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        sent += static_cast<std::size_t>(n);
      } else if (errno == EAGAIN || errno == EINTR) {
        if (errno == EAGAIN && !co_await wait.next(deadline)) co_return give_up(std::string(handshake_timed_out));
      } else {
        co_return give_up(std::strerror(errno));
      }
    }
    // Into the worker's read buffer, not one on this frame: thousands of upgrades may wait at once.
    char* chunk = buffers.receive.data();
    while (head_end == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, std::min<std::size_t>(buffers.receive.size(), 16 * 1024), MSG_DONTWAIT);
      if (n > 0) {
        response.append(chunk, static_cast<std::size_t>(n));
        head_end = response.find("\r\n\r\n");
        if (head_end == std::string::npos && response.size() > 16 * 1024) co_return give_up("oversized HTTP response");
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (errno == EAGAIN && !co_await wait.next(deadline)) co_return give_up(std::string(handshake_timed_out));
      } else {
        co_return give_up(n == 0 ? "the server closed the connection" : std::strerror(errno));
      }
    }
  }
  if (std::string refusal = upgrade_refusal(std::string_view(response.data(), head_end + 2), key); !refusal.empty())
    co_return give_up(std::move(refusal));
  auto client = std::allocate_shared<ws_client>(slab_allocator<ws_client>(buffers.connections), fd, buffers);
  // Frames that came with the response are parsed when the user starts the connection.
  client->partial_.assign(response, head_end + 4);
  co_return client;
}

void ws_client::release_buffers() {
  if (corked_.empty()) free_buffer(corked_);
  if (queued_.empty()) free_buffer(queued_);
}

std::size_t ws_client::buffer_bytes() const noexcept {
  std::size_t bytes = 0;
  for (const std::string* s : {&partial_, &fragments_, &corked_, &queued_})
    if (s->capacity() > std::string().capacity()) bytes += s->capacity();
  return bytes;
}

void ws_client::start(ws_client_events* events) {
  events_ = events;
  if (fd_ < 0) return;
  if (!buffers_.poller.watch(fd_, this)) {
    finish();
    return;
  }
  if (partial_.empty()) return;
  const std::string early = std::exchange(partial_, std::string());
  buffers_.read_arrival_ns = 0;  // read during the handshake: when is not known
  const auto used = parse(early);
  if (used < 0) {
    abort();
    return;
  }
  if (fd_ >= 0) partial_.assign(early, static_cast<std::size_t>(used));
}

bool ws_client::send(std::string_view payload, bool text) {
  if (closing_) return false;
  return write_frame(text ? op_text : op_binary, payload);
}

ws_client_buffers::ws_client_buffers(net::io_context& context) : io(context), poller(context) {
  std::string why;
  uring = uring_writer::open(1024, why);  // without one, each connection writes with its own call
  results.assign(1024, 0);
}

ws_client_buffers::~ws_client_buffers() = default;

bool ws_client::write_frame(std::uint8_t opcode, std::string_view payload) {
  if (fd_ < 0 || queued_.size() > max_queued) return false;
  // Behind what already waits for the kernel, to keep the order; else corked for this turn.
  const bool first_this_turn = queued_.empty() && corked_.empty();
  std::string& out = queued_.empty() ? corked_ : queued_;
  const std::uint32_t mask = static_cast<std::uint32_t>(mix(buffers_.mask_state += 0x9e3779b97f4a7c15ULL));
  char key[4];
  std::memcpy(key, &mask, 4);
  const std::size_t at = out.size();
  out.resize(at + max_header_size);
  out.resize(at + write_header(out.data() + at, opcode, payload.size(), key));
  const std::size_t body = out.size();
  out.append(payload);
  apply_mask(out.data() + body, payload.size(), key);
  if (first_this_turn) {
    buffers_.corked.push_back(shared_from_this());
    if (!buffers_.flush_posted) {
      buffers_.flush_posted = true;
      // After the handlers already queued on the loop: every user whose send is due this turn.
      net::post(buffers_.io, [&b = buffers_] { flush_corked(b); });
    }
  }
  return true;
}

void ws_client::flush_corked(ws_client_buffers& b) {
  b.flush_posted = false;
  const std::uint64_t number = b.flushes++;  // the sends corked so far noted this number
  b.flush_ends[number % b.flush_ends.size()] = 0;
  b.writing.swap(b.corked);  // frames corked while writing wait for the next turn
  const auto ready = [](const ws_client& c) { return c.fd_ >= 0 && !c.corked_.empty(); };
  std::size_t first = 0;
  while (b.uring && first < b.writing.size()) {
    const std::size_t n = std::min<std::size_t>(b.uring->capacity(), b.writing.size() - first);
    b.messages.assign(n, msghdr{});  // sized before use: the kernel reads them during submit
    b.iovecs.assign(n, iovec{});
    for (std::size_t i = 0; i < n; ++i) {
      ws_client& c = *b.writing[first + i];
      b.results[i] = 0;  // unanswered (a failed ring): nothing written, it waits in the queue
      if (!ready(c)) continue;
      b.iovecs[i] = {c.corked_.data(), c.corked_.size()};
      b.messages[i].msg_iov = &b.iovecs[i];
      b.messages[i].msg_iovlen = 1;
      b.uring->add_sendmsg(c.fd_, &b.messages[i], i);
    }
    b.uring->submit(b.results);
    if (b.uring->failed()) b.uring.reset();  // one call per connection from now on
    for (std::size_t i = 0; i < n; ++i) {
      ws_client& c = *b.writing[first + i];
      if (ready(c)) c.after_corked_write(b.results[i]);
    }
    first += n;
  }
  for (; first < b.writing.size(); ++first) {  // without a ring
    ws_client& c = *b.writing[first];
    if (!ready(c)) continue;
    const ssize_t sent = ::send(c.fd_, c.corked_.data(), c.corked_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    c.after_corked_write(sent < 0 ? -errno : sent);
  }
  b.writing.clear();
  b.flush_ends[number % b.flush_ends.size()] = mono_ns();
}

void ws_client::after_corked_write(long result) {
  if (result < 0 && result != -EAGAIN && result != -EWOULDBLOCK) {
    corked_.clear();
    finish();  // the peer is gone
    return;
  }
  const auto n = static_cast<std::size_t>(std::max<long>(result, 0));
  // The rest waits for the socket's next writable edge.
  if (n < corked_.size()) queued_.append(corked_, n);
  corked_.clear();
  if (corked_.capacity() > 4096) free_buffer(corked_);  // a burst's buffer is not kept
}

void ws_client::write_queued() {
  while (!queued_.empty() && fd_ >= 0) {
    const ssize_t sent = ::send(fd_, queued_.data(), queued_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // the next edge goes on
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) {
      queued_.clear();
      finish();
      return;
    }
    queued_.erase(0, static_cast<std::size_t>(sent));
  }
  if (queued_.capacity() > 4096) free_buffer(queued_);
}

void ws_client::close(std::uint16_t code) {
  if (closing_) return;
  const char reason[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  write_frame(op_close, std::string_view(reason, 2));
  closing_ = true;
  // The server answers with its close and ends the TCP connection; the read sees the end.
}

void ws_client::abort() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  queued_.clear();
  corked_.clear();
  finish();
}

void ws_client::finish() {
  closing_ = true;
  if (fd_ < 0) return;
  buffers_.poller.forget(fd_);
  ::close(std::exchange(fd_, -1));
  if (auto* events = std::exchange(events_, nullptr)) events->on_closed();
}

void ws_client::on_ready(std::uint32_t events) {
  auto self = shared_from_this();  // a user may let go of its connection from within an event
  // A short read means drained, but not that the peer's end, already here, was read.
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_to_end_ = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_available();
  if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && !queued_.empty()) write_queued();
}

void ws_client::read_available() {
  constexpr int max_reads_per_turn = 4;
  if (fd_ < 0) return;
  const auto on_bytes = [this](char* data, std::size_t n) {
    const auto used = parse_after(partial_, data, n, [this](char* d, std::size_t size) { return parse({d, size}); });
    if (used < 0) {  // a protocol violation by the server: nothing more can be trusted
      abort();
      return false;
    }
    // After the peer's close our echo is corked; the server ends the TCP connection after it.
    return fd_ >= 0 && !peer_closed_;
  };
  const auto outcome = read_edge(fd_, buffers_.receive, read_to_end_, max_reads_per_turn, on_bytes,
                                 [&b = buffers_](int fd, char* data, std::size_t size) {
                                   return recv_stamped(fd, data, size, b.read_arrival_ns);
                                 });
  switch (outcome) {
    case edge_outcome::end_of_stream:
      finish();
      break;
    case edge_outcome::more_waiting:
      net::post(buffers_.io, [self = shared_from_this()] { self->read_available(); });
      break;
    case edge_outcome::drained:
      if (partial_.empty()) free_buffer(partial_);  // an idle connection keeps no buffer
      break;
    case edge_outcome::stopped:
      break;
  }
}

std::ptrdiff_t ws_client::parse(std::string_view data) {
  std::size_t pos = 0;
  while (fd_ >= 0 && !peer_closed_) {
    frame_header h;
    const auto status = parse_header(data.substr(pos), h);
    if (status == header_status::incomplete) break;
    if (status == header_status::bad || h.masked) return -1;  // no extensions were negotiated; servers do not mask
    const bool fin = h.fin;
    const std::uint8_t opcode = h.opcode;
    const std::uint64_t length = h.length;
    const std::size_t header = h.size;
    if (length > max_message) return -1;
    if (data.size() - pos < header + length) break;
    const std::string_view payload = data.substr(pos + header, static_cast<std::size_t>(length));
    pos += header + static_cast<std::size_t>(length);
    // A frame that ends where the read did came complete with its last segment.
    buffers_.message_arrival_ns = pos == data.size() ? buffers_.read_arrival_ns : 0;
    switch (opcode) {
      case op_text:
      case op_binary:
        if (in_fragment_) return -1;
        if (fin) {
          if (events_) events_->on_message(payload, opcode == op_text);
        } else {
          in_fragment_ = true;
          fragment_text_ = opcode == op_text;
          fragments_.assign(payload);
        }
        break;
      case op_continuation:
        if (!in_fragment_) return -1;
        fragments_.append(payload);
        if (fragments_.size() > max_message) return -1;
        if (fin) {
          in_fragment_ = false;
          if (events_) events_->on_message(fragments_, fragment_text_);
          free_buffer(fragments_);
        }
        break;
      case op_ping:
        write_frame(op_pong, payload);
        break;
      case op_pong:
        break;
      case op_close: {
        // Echo the close (RFC 6455 5.5.1) and stop: the server ends the TCP connection.
        const bool peer_first = !closing_;
        if (peer_first) write_frame(op_close, payload.substr(0, std::min<std::size_t>(2, payload.size())));
        closing_ = true;
        peer_closed_ = true;
        // The user is done with it now; the socket closes once the echo is written and the server hangs up.
        if (auto* events = std::exchange(events_, nullptr)) {
          if (peer_first) {
            const auto code = payload.size() >= 2 ? static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 |
                                                                               static_cast<unsigned char>(payload[1]))
                                                  : std::uint16_t{1005};
            events->on_peer_close(code, payload.size() > 2 ? payload.substr(2) : std::string_view{});
          }
          events->on_closed();
        }
        break;
      }
      default:
        return -1;
    }
  }
  return static_cast<std::ptrdiff_t>(pos);
}

}  // namespace throng::agent
