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

bool ws_channel::send(shared_payload frame, std::int64_t stamp) {
  if (closing_) return false;
  if (queued_bytes_ + frame->size() > max_queued_bytes_ && !queue_.empty()) return false;
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (on_written_) stamps_.push_back(stamp);
  // Only an idle writer needs waking; a busy or batching one takes the queue next.
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
    if (coalesce_) {
      // A connection written to moments ago waits out the batch delay, so that
      // under load one send() carries many deliveries; a quiet one is written
      // at once. Then let the frames already on their way to this thread
      // (handlers queued on the loop) join too, as uWS corks a loop iteration.
      const auto due = last_write_ + batch_delay_;
      if (batch_delay_.count() > 0 && std::chrono::steady_clock::now() < due && !closing_) {
        wake_.expires_at(due);
        co_await wake_.async_wait(use_nothrow);
        wake_.expires_at(net::steady_timer::time_point::max());
      }
      co_await net::post(ws_.get_executor(), net::use_awaitable);
    }
    // Take everything queued: one write per wake-up, not one per frame.
    draining_.swap(queue_);  // draining_ was empty: the queue keeps its capacity, nothing allocates
    draining_stamps_.swap(stamps_);
    error_code ec;
    if (coalesce_ && draining_.size() > 1) {
      coalesce_(draining_, coalesced_);
      if (on_written_) on_written_(draining_stamps_);
      auto [wec, n] = co_await ws_.async_write(net::buffer(coalesced_), use_nothrow);
      ec = wec;
      ++messages_written_;
    } else {
      for (std::size_t i = 0; i < draining_.size(); ++i) {
        if (on_written_) on_written_(std::span<const std::int64_t>(&draining_stamps_[i], 1));
        auto [wec, n] = co_await ws_.async_write(net::buffer(*draining_[i]), use_nothrow);
        ec = wec;
        if (ec) break;
        ++messages_written_;
      }
    }
    draining_stamps_.clear();
    last_write_ = std::chrono::steady_clock::now();
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
  stamps_.clear();
  draining_stamps_.clear();
  queued_bytes_ = 0;
}

}  // namespace throng
