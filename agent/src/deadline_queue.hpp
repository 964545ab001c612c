#pragma once
// Many deadlines on one Asio timer, per worker. A user waiting for its next
// send or its session's end holds a place in this heap (a pointer) and its
// deadline, not a timer and a pending wait of its own: an idle agent holds
// tens of thousands of users, and a pending Asio wait costs hundreds of bytes.
// Used on its worker's thread only.

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "throng/common/net.hpp"

namespace throng::agent {

class deadline_queue;

// What waits in the queue; embedded in its owner.
class deadline_waiter {
 public:
  // The deadline came (it is no longer queued; schedule again to wait again).
  virtual void on_deadline(std::int64_t now) = 0;
  bool queued() const noexcept { return index_ != unqueued; }
  std::int64_t deadline() const noexcept { return deadline_; }

 protected:
  ~deadline_waiter() = default;

 private:
  friend class deadline_queue;
  static constexpr std::uint32_t unqueued = std::numeric_limits<std::uint32_t>::max();
  std::int64_t deadline_ = 0;
  std::uint32_t index_ = unqueued;
};

// A waiter that calls Owner's member `Fn`: an owner with several deadlines
// embeds one per purpose.
template <class Owner, void (Owner::*Fn)(std::int64_t)>
class deadline_of final : public deadline_waiter {
 public:
  explicit deadline_of(Owner& owner) : owner_(owner) {}
  void on_deadline(std::int64_t now) override { (owner_.*Fn)(now); }

 private:
  Owner& owner_;
};

class deadline_queue {
 public:
  explicit deadline_queue(net::io_context& io) : io_(io), timer_(io) {}
  deadline_queue(const deadline_queue&) = delete;
  deadline_queue& operator=(const deadline_queue&) = delete;

  // Calls w.on_deadline at `mono` (mono_ns; at once if past), replacing its earlier deadline.
  void schedule(deadline_waiter& w, std::int64_t mono);
  // Takes w out; it is not called.
  void cancel(deadline_waiter& w);
  std::size_t size() const noexcept { return heap_.size(); }

  // The timer wakes at the first deadline, but at most once per step (the
  // kernel's default timer slack for ordinary tasks): deadlines closer
  // together run in one wake-up, never early and at most one step late. At
  // 100,000 sends/s one wake-up per deadline cost two timer system calls each
  // and most of a core; at lower rates a deadline need not wait for a grid
  // point (a 50 µs grid added 25 µs to the mean send).
  static constexpr std::int64_t timer_step_ns = 50'000;
  // How often the timer was set (each costs a system call).
  std::uint64_t timer_sets() const noexcept { return generation_; }
  // When the timer is set to fire (mono_ns); 0 when it is not set.
  std::int64_t next_wake() const noexcept { return armed_ ? armed_for_ : 0; }
  // How late the timer woke at worst since the last call (ns past the time
  // it was set for): the loop's lag seen at every wake-up, so a short
  // stall of the core is not missed the way a sampling probe misses it.
  std::int64_t take_worst_lateness() noexcept { return std::exchange(worst_lateness_ns_, 0); }

 private:
  void arm();
  // A deadline already due runs from the loop's queue, without touching the timer.
  void fire_soon();
  void fire(std::int64_t now);
  bool earlier(std::uint32_t a, std::uint32_t b) const { return heap_[a]->deadline_ < heap_[b]->deadline_; }
  void place(std::uint32_t i, deadline_waiter* w) {
    heap_[i] = w;
    w->index_ = i;
  }
  void sift_up(std::uint32_t i);
  void sift_down(std::uint32_t i);

  net::io_context& io_;
  net::steady_timer timer_;
  std::vector<deadline_waiter*> heap_;  // a binary min-heap on deadline_
  std::int64_t armed_for_ = 0;
  std::int64_t last_wake_ = 0;  // when the timer last fired (mono_ns)
  std::uint64_t generation_ = 0;  // the wait whose handler may fire the queue
  std::int64_t worst_lateness_ns_ = 0;
  bool armed_ = false;
  bool fire_posted_ = false;
  bool firing_ = false;  // fire() is running what is due
};

}  // namespace throng::agent
