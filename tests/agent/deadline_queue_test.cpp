// The worker's deadline queue: every waiter is called once, in deadline
// order, not before its deadline; moved and cancelled waiters keep to their
// new orders, also when that happens from within a call.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <vector>

#include "deadline_queue.hpp"
#include "throng/common/clock.hpp"

namespace throng::agent {
namespace {

struct recorder;

struct waiter final : deadline_waiter {
  recorder* log = nullptr;
  int id = 0;
  std::function<void()> then;  // runs inside the call
  void on_deadline(std::int64_t now) override;
};

struct recorder {
  std::vector<int> order;
  std::vector<std::int64_t> late_ns;  // how long after its deadline each ran (never negative)
};

void waiter::on_deadline(std::int64_t now) {
  log->order.push_back(id);
  log->late_ns.push_back(now - deadline());
  if (then) then();
}

TEST(DeadlineQueue, ManyWaitersRunOnceEachInDeadlineOrderAndNeverEarly) {
  net::io_context io;
  deadline_queue queue(io);
  recorder log;
  std::vector<waiter> waiters(2000);
  std::mt19937_64 random(7);
  const std::int64_t base = mono_ns() + 20'000'000;
  std::vector<std::pair<std::int64_t, int>> expected;
  for (int i = 0; i < static_cast<int>(waiters.size()); ++i) {
    waiters[i].log = &log;
    waiters[i].id = i;
    const std::int64_t at = base + static_cast<std::int64_t>(random() % 100'000'000);
    queue.schedule(waiters[i], at);
    expected.emplace_back(at, i);
  }
  EXPECT_EQ(queue.size(), waiters.size());
  io.run();
  std::stable_sort(expected.begin(), expected.end(), [](auto& a, auto& b) { return a.first < b.first; });
  ASSERT_EQ(log.order.size(), waiters.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(waiters[log.order[i]].deadline(), expected[i].first) << i;
  for (auto late : log.late_ns) EXPECT_GE(late, 0);
  EXPECT_EQ(queue.size(), 0u);
  for (auto& w : waiters) EXPECT_FALSE(w.queued());
}

TEST(DeadlineQueue, MovedAndCancelledWaitersKeepToTheirNewOrders) {
  net::io_context io;
  deadline_queue queue(io);
  recorder log;
  std::vector<waiter> w(5);
  const std::int64_t t0 = mono_ns();
  for (int i = 0; i < 5; ++i) {
    w[i].log = &log;
    w[i].id = i;
    queue.schedule(w[i], t0 + 10'000'000 * (i + 1));
  }
  queue.schedule(w[4], t0 + 1'000'000);  // earlier than everyone: the armed wait must come sooner
  queue.schedule(w[0], t0 + 60'000'000);  // later than everyone
  queue.cancel(w[2]);
  queue.cancel(w[2]);  // twice is harmless
  EXPECT_FALSE(w[2].queued());
  io.run();
  EXPECT_EQ(log.order, (std::vector<int>{4, 1, 3, 0}));
}

TEST(DeadlineQueue, ACallMayScheduleItselfAndOthersAgain) {
  net::io_context io;
  deadline_queue queue(io);
  recorder log;
  waiter a, b, c;
  a.log = b.log = c.log = &log;
  a.id = 1, b.id = 2, c.id = 3;
  int repeats = 0;
  const std::int64_t t0 = mono_ns();
  // a runs three times, 2 ms apart, and the first time pulls c in before b.
  a.then = [&] {
    if (++repeats < 3) queue.schedule(a, mono_ns() + 2'000'000);
    if (repeats == 1) {
      queue.schedule(c, mono_ns());
      queue.cancel(b);
      queue.schedule(b, t0 + 30'000'000);
    }
  };
  queue.schedule(a, t0 + 1'000'000);
  queue.schedule(b, t0 + 3'000'000);
  queue.schedule(c, t0 + 50'000'000);
  io.run();
  EXPECT_EQ(log.order, (std::vector<int>{1, 3, 1, 1, 2}));
  EXPECT_GE(mono_ns() - t0, 30'000'000);
}

TEST(DeadlineQueue, ADeadlineInThePastRunsAtOnce) {
  net::io_context io;
  deadline_queue queue(io);
  recorder log;
  waiter a;
  a.log = &log;
  queue.schedule(a, mono_ns() - 1'000'000'000);
  const std::int64_t t0 = mono_ns();
  io.run();
  EXPECT_EQ(log.order.size(), 1u);
  EXPECT_LT(mono_ns() - t0, 50'000'000);
}

// A wake-up held back by a busy loop (or a stalled core) is seen as the
// timer's lateness, each time: the agent's loop lag does not depend on a
// sampling probe happening to wake inside the stall.
TEST(DeadlineQueue, ALateWakeUpIsMeasured) {
  net::io_context io;
  deadline_queue queue(io);
  struct noop final : deadline_waiter {
    void on_deadline(std::int64_t) override {}
  } w;
  queue.schedule(w, mono_ns() + 1'000'000);
  // The loop is busy for 30 ms from the start, so the 1 ms deadline's wake-up comes about 29 ms late.
  net::post(io, [] {
    const std::int64_t until = mono_ns() + 30'000'000;
    while (mono_ns() < until) {}
  });
  io.run();
  const std::int64_t late = queue.take_worst_lateness();
  EXPECT_GE(late, 25'000'000);
  EXPECT_LT(late, 1'000'000'000);
  EXPECT_EQ(queue.take_worst_lateness(), 0) << "each call starts a new window";
}

}  // namespace
}  // namespace throng::agent

namespace throng::agent {
namespace {

// Deadlines within one step of each other run in one wake-up (the same
// `now`) and set the timer once, even when each comes earlier than the last:
// a high send rate costs a timer system call per step, not per send.
TEST(DeadlineQueue, DeadlinesWithinOneTimerStepShareAWakeUp) {
  net::io_context io;
  deadline_queue queue(io);
  std::vector<std::int64_t> woken;
  struct at final : deadline_waiter {
    std::vector<std::int64_t>* woken = nullptr;
    void on_deadline(std::int64_t now) override { woken->push_back(now); }
  };
  std::vector<at> waiters(10);
  constexpr std::int64_t step = deadline_queue::timer_step_ns;
  static_assert(step > 45'000);
  const std::int64_t window = (mono_ns() + 20'000'000) / step * step;  // a step 20 ms from now
  for (std::size_t i = 0; i < waiters.size(); ++i) {
    waiters[i].woken = &woken;
    queue.schedule(waiters[i], window + 45'001 - static_cast<std::int64_t>(i) * 5'000);  // each earlier
  }
  EXPECT_EQ(queue.timer_sets(), 1u);
  io.run();
  ASSERT_EQ(woken.size(), waiters.size());
  for (std::size_t i = 0; i < waiters.size(); ++i) {
    EXPECT_EQ(woken[i], woken[0]) << "waiter " << i << " ran in a wake-up of its own";
    EXPECT_GE(woken[i], waiters[waiters.size() - 1 - i].deadline()) << "never early";
  }
}

// Waiters due together that each schedule their next deadline while they run
// (every send schedules the next one) set the timer once for the next round,
// not for the due ones still waiting their turn in this wake-up (a timer set
// in the past fires at once: one more wake-up and two timer calls per round).
TEST(DeadlineQueue, WaitersRunningTogetherSetTheTimerOnceForTheNextRound) {
  net::io_context io;
  deadline_queue queue(io);
  struct again final : deadline_waiter {
    deadline_queue* queue = nullptr;
    int runs = 0;
    void on_deadline(std::int64_t now) override {
      if (++runs == 1) queue->schedule(*this, now + 20'000'000);
    }
  };
  std::vector<again> waiters(10);
  const std::int64_t at = mono_ns() + 20'000'000;
  for (auto& w : waiters) {
    w.queue = &queue;
    queue.schedule(w, at);
  }
  io.run();
  for (const auto& w : waiters) EXPECT_EQ(w.runs, 2);
  EXPECT_EQ(queue.timer_sets(), 2u) << "once for the first round, once for the second";
}

}  // namespace
}  // namespace throng::agent

namespace throng::agent {
namespace {

struct stamp final : deadline_waiter {
  std::int64_t woken = 0;
  void on_deadline(std::int64_t now) override { woken = now; }
};

// A lone deadline wakes the timer at its own time, not at the next point of a
// grid: at low rates that wait was most of a send's delay.
TEST(DeadlineQueue, ALoneDeadlineSetsTheTimerForItsOwnTime) {
  net::io_context io;
  deadline_queue queue(io);
  stamp w;
  const std::int64_t at = (mono_ns() + 20'000'000) / deadline_queue::timer_step_ns * deadline_queue::timer_step_ns + 17'000;
  queue.schedule(w, at);
  EXPECT_EQ(queue.next_wake(), at) << "17 us past a grid point, not rounded up to the next one";
  io.run();
  EXPECT_GE(w.woken, at) << "never early";
  EXPECT_EQ(queue.next_wake(), 0);
}

// The timer wakes at most once per step: a deadline due less than a step
// after a wake-up runs in it or a step after it, never in a wake-up of its own
// in between (one timer call per step at any send rate).
TEST(DeadlineQueue, TheTimerWakesAtMostOncePerStep) {
  net::io_context io;
  deadline_queue queue(io);
  stamp first, soon_after;
  const std::int64_t at = mono_ns() + 20'000'000;
  queue.schedule(first, at);
  queue.schedule(soon_after, at + 30'000);
  io.run();
  EXPECT_GE(soon_after.woken, at + 30'000) << "never early";
  EXPECT_TRUE(soon_after.woken == first.woken || soon_after.woken - first.woken >= deadline_queue::timer_step_ns)
      << "woken " << soon_after.woken - first.woken << " ns after the first wake-up";
}

}  // namespace
}  // namespace throng::agent
