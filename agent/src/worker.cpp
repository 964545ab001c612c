#include "worker.hpp"

#include <algorithm>

#include "throng/common/clock.hpp"

namespace throng::agent {

worker::worker(unsigned i) : index(i) { start_gate.expires_at(net::steady_timer::time_point::max()); }

worker::~worker() { stop_thread(); }

void worker::start_thread() {
  net::co_spawn(io, probe_loop_lag(), net::detached);
  thread = std::thread([this] { io.run(); });
}

void worker::stop_thread() {
  if (!thread.joinable()) return;
  guard.reset();
  io.stop();
  thread.join();
}

// A saturated loop shows up as timers firing late; the controller marks runs
// whose agents lag as untrustworthy.
net::awaitable<void> worker::probe_loop_lag() {
  net::steady_timer timer(io);
  for (;;) {
    const auto due = mono_ns() + 100'000'000;
    timer.expires_after(std::chrono::milliseconds(100));
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
    max_loop_lag_ns = std::max(max_loop_lag_ns, mono_ns() - due);
  }
}

}  // namespace throng::agent
