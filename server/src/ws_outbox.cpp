#include "ws_outbox.hpp"

#include <algorithm>

#include "server_metrics.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"
#include "throng/common/uring_writer.hpp"
#include "ws_connection.hpp"

namespace throng::server {
namespace {
constexpr unsigned ring_entries = 1024;  // connections per submission
constexpr std::size_t arena_iovecs = 32 * 1024;
// A flush writes slices of connections until the queue is empty or it has
// run for max_flush_ns, then lets the loop read before it goes on. A message
// read meanwhile joins the queues of the members not written yet, so in a
// big room it waits for one sweep at most, not for the rest of the previous
// fan-out and then its own; a flush that fits in the time (most of them)
// still leaves in one go, which keeps the clients' reads batched too.
constexpr std::size_t connections_per_slice = 32;
constexpr std::int64_t max_flush_ns = 500'000;
}  // namespace

write_arena::write_arena() : heads(arena_iovecs * 13) { iov.reserve(arena_iovecs); }

ws_outbox::ws_outbox(net::io_context& io, shard_metrics& metrics) : io_(io), metrics_(metrics), timer_(io) {}

ws_outbox::~ws_outbox() = default;

bool ws_outbox::use_io_uring(std::string& why) {
  uring_ = uring_writer::open(ring_entries, why);
  if (!uring_) return false;
  batch_.reserve(ring_entries);  // the prepared messages must not move while the kernel reads them
  results_.assign(ring_entries, 0);
  return true;
}

void ws_outbox::schedule(std::shared_ptr<ws_connection> connection) {
  ready_.push_back(std::move(connection));
  post_flush();
}

void ws_outbox::post_flush() {
  if (flush_posted_ || next_ == ready_.size()) return;
  flush_posted_ = true;
  // Runs after the handlers already queued on the loop: the reads of this
  // turn and the fan-outs they cause.
  net::post(io_, [this] { flush(); });
}

bool ws_outbox::waits_out_delay(const ws_connection& c, std::int64_t now) const {
  return c.batching_ && batch_delay_.count() > 0 && now < c.last_write_ns_ + batch_delay_.count() && !c.closing_;
}

void ws_outbox::flush() {
  flush_posted_ = false;
  const auto started = mono_ns();
  do write_slice(mono_ns());
  while (next_ < ready_.size() && mono_ns() - started < max_flush_ns);
  post_flush();
  arm_timer();
}

void ws_outbox::write_slice(std::int64_t now) {
  const std::size_t end = std::min(ready_.size(), next_ + connections_per_slice);
  for (; next_ < end; ++next_) {
    auto& c = ready_[next_];
    if (waits_out_delay(*c, now)) {
      deferred_.push_back(std::move(c));  // still scheduled: new frames join its queue
      continue;
    }
    c->scheduled_ = false;
    writing_.push_back(std::move(c));
  }
  // Connections scheduled while writing join the back of the line.
  if (next_ == ready_.size()) {
    ready_.clear();
    next_ = 0;
  } else if (next_ >= 1024 && 2 * next_ >= ready_.size()) {
    ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(next_));
    next_ = 0;
  }
  if (uring_) {
    write_through_ring(writing_);
  } else {
    for (auto& c : writing_) c->write_now();
  }
  writing_.clear();
}

void ws_outbox::write_through_ring(std::vector<std::shared_ptr<ws_connection>>& connections) {
  std::size_t next = 0;
  while (next < connections.size()) {
    arena_.clear();
    batch_.clear();
    for (; next < connections.size() && batch_.size() < uring_->capacity(); ++next) {
      ws_connection& c = *connections[next];
      if (!c.ready_to_write()) continue;
      prepared_write write;
      if (!c.prepare(arena_, write)) break;  // the arena is full: submit these first
      batch_.emplace_back(&c, write);
    }
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      auto& [c, write] = batch_[i];
      write.message.msg_iov = arena_.iov.data() + write.first_iov;
      results_[i] = -EAGAIN;  // unanswered (a failed ring): kept as unsent, written without the ring
      uring_->add_sendmsg(c->fd_, &write.message, i);
    }
    metrics_.write_calls.add(uring_->submit(results_));
    std::unique_ptr<uring_writer> failed;
    if (uring_->failed()) {
      log_warn("io_uring submission failed; writing with one sendmsg per connection from now on");
      failed = std::move(uring_);  // dropped once this batch is accounted for
    }
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      auto& [c, write] = batch_[i];
      // Whatever one write could not carry goes out on the next turn.
      if (c->complete(arena_, write, results_[i])) c->schedule();
    }
    if (failed) {
      for (; next < connections.size(); ++next) connections[next]->write_now();
      return;
    }
  }
}

void ws_outbox::arm_timer() {
  if (timer_armed_ || deferred_.empty()) return;
  std::int64_t due = deferred_.front()->last_write_ns_;
  for (const auto& c : deferred_) due = std::min(due, c->last_write_ns_);
  due += batch_delay_.count();
  timer_armed_ = true;
  timer_.expires_after(std::chrono::nanoseconds(std::max<std::int64_t>(0, due - mono_ns())));
  timer_.async_wait([this](error_code ec) {
    timer_armed_ = false;
    if (ec) return;
    const auto now = mono_ns();
    std::size_t kept = 0;
    for (auto& c : deferred_) {
      if (waits_out_delay(*c, now)) {
        deferred_[kept++] = std::move(c);
      } else {
        ready_.push_back(std::move(c));
      }
    }
    deferred_.resize(kept);
    post_flush();
    arm_timer();
  });
}

}  // namespace throng::server
