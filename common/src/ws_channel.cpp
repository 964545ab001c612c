#include "throng/common/ws_channel.hpp"

#include "throng/common/frame_codec.hpp"
#include "throng/common/log.hpp"

namespace throng {

net::awaitable<read_result> read_message(ws_stream& ws, beast::flat_buffer& buffer, google::protobuf::Message& out) {
  auto [ec, n] = co_await ws.async_read(buffer, use_nothrow);
  if (ec) co_return read_result{ec, n};
  const std::string_view payload(static_cast<const char*>(buffer.data().data()), buffer.size());
  const auto decoded = decode_frame(payload, ws.got_text() ? wire_format::json : wire_format::binary, out);
  buffer.consume(buffer.size());
  co_return read_result{decoded, n};
}

ws_channel::ws_channel(ws_stream stream, std::size_t max_queued_bytes)
    : ws_(std::move(stream)), max_queued_bytes_(max_queued_bytes), wake_(ws_.get_executor()) {
  // One WebSocket frame per message: fragmenting a batch into 4 KiB frames only costs headers and work.
  ws_.auto_fragment(false);
  wake_.expires_at(net::steady_timer::time_point::max());
}

bool ws_channel::send(shared_payload frame) {
  if (closing_) return false;
  if (queued_bytes_ + frame->size() > max_queued_bytes_ && !queue_.empty()) return false;
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  // Only an idle writer needs waking; a busy one takes the queue next.
  if (writer_idle_) {
    writer_idle_ = false;
    wake_.cancel();
  }
  return true;
}

void ws_channel::start() {
  if (started_) return;
  started_ = true;
  net::co_spawn(ws_.get_executor(), [self = shared_from_this()] { return self->write_loop(); },
                log_exceptions{"websocket writer"});
}

void ws_channel::close(websocket::close_code code, std::string reason) {
  if (closing_) return;
  closing_ = true;
  close_reason_ = websocket::close_reason(code, reason);
  wake_.cancel();
  if (!started_) abort();
}

void ws_channel::abort() {
  closing_ = true;
  error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
  wake_.cancel();
}

net::awaitable<void> ws_channel::write_loop() {
  for (;;) {
    if (queue_.empty()) {
      if (closing_) break;
      writer_idle_ = true;
      co_await wake_.async_wait(use_nothrow);
      writer_idle_ = false;
      wake_.expires_at(net::steady_timer::time_point::max());
      continue;
    }
    // Take everything queued: one wake-up for all of it.
    draining_.swap(queue_);  // draining_ was empty: the queue keeps its capacity, nothing allocates
    error_code ec;
    for (const auto& frame : draining_) {
      auto [wec, n] = co_await ws_.async_write(net::buffer(*frame), use_nothrow);
      ec = wec;
      if (ec) break;
      ++messages_written_;
    }
    if (ec) {  // the peer is gone: nothing queued can be delivered any more
      closing_ = true;
      break;
    }
    for (const auto& frame : draining_) queued_bytes_ -= frame->size();
    draining_.clear();
  }
  if (closing_ && beast::get_lowest_layer(ws_).socket().is_open() && ws_.is_open()) {
    co_await ws_.async_close(close_reason_, use_nothrow);
  }
  queue_.clear();
  draining_.clear();
  queued_bytes_ = 0;
}

}  // namespace throng
