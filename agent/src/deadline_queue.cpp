#include "deadline_queue.hpp"

#include <algorithm>

#include "throng/common/clock.hpp"

namespace throng::agent {

void deadline_queue::schedule(deadline_waiter& w, std::int64_t mono) {
  w.deadline_ = mono;
  if (!w.queued()) {
    heap_.push_back(&w);
    w.index_ = static_cast<std::uint32_t>(heap_.size() - 1);
  }
  sift_up(w.index_);
  sift_down(w.index_);
  // A closed loop with no think time schedules its next send for now, once
  // per round trip: re-arming the timer would cost a system call each time.
  if (mono <= mono_ns()) fire_soon();
  else arm();
}

void deadline_queue::fire_soon() {
  if (fire_posted_) return;
  fire_posted_ = true;
  net::post(io_, [this] {
    fire_posted_ = false;
    fire(mono_ns());
  });
}

void deadline_queue::cancel(deadline_waiter& w) {
  if (!w.queued()) return;
  const std::uint32_t i = w.index_;
  w.index_ = deadline_waiter::unqueued;
  deadline_waiter* last = heap_.back();
  heap_.pop_back();
  if (last == &w) return;
  place(i, last);
  sift_up(i);
  sift_down(last->index_);
  // The timer may now fire early; fire() then only re-arms.
}

void deadline_queue::sift_up(std::uint32_t i) {
  deadline_waiter* w = heap_[i];
  while (i > 0) {
    const std::uint32_t parent = (i - 1) / 2;
    if (heap_[parent]->deadline_ <= w->deadline_) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, w);
}

void deadline_queue::sift_down(std::uint32_t i) {
  const auto n = static_cast<std::uint32_t>(heap_.size());
  deadline_waiter* w = heap_[i];
  for (;;) {
    std::uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(child + 1, child)) ++child;
    if (heap_[child]->deadline_ >= w->deadline_) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, w);
}

void deadline_queue::arm() {
  // fire() arms once it has run what is due. Arming while it runs would set
  // the timer for a front it has yet to reach, and the timer would fire at once.
  if (heap_.empty() || fire_posted_ || firing_) return;
  const std::int64_t first = heap_.front()->deadline_;
  // At the first deadline, but not within a step of the last wake-up.
  const std::int64_t at = std::max(first, last_wake_ + timer_step_ns);
  if (armed_ && armed_for_ <= first + timer_step_ns) return;  // the pending wait comes at most a step late
  armed_ = true;
  armed_for_ = at;
  const std::uint64_t generation = ++generation_;
  timer_.expires_at(steady_at(at));  // cancels the later wait, whose handler then finds a newer generation
  timer_.async_wait([this, generation, at](const error_code&) {
    if (generation != generation_) return;
    armed_ = false;
    const std::int64_t now = mono_ns();
    last_wake_ = now;
    worst_lateness_ns_ = std::max(worst_lateness_ns_, now - at);
    fire(now);
  });
}

void deadline_queue::fire(std::int64_t now) {
  firing_ = true;
  while (!heap_.empty() && heap_.front()->deadline_ <= now) {
    deadline_waiter* w = heap_.front();
    cancel(*w);
    w->on_deadline(now);  // may schedule or cancel any waiter, itself included
  }
  firing_ = false;
  arm();
}

}  // namespace throng::agent
