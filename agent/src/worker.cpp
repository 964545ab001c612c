#include "worker.hpp"

#include <algorithm>

#include "model/backoff.hpp"
#include "model/schedule.hpp"
#include "run_context.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"
#include "virtual_user.hpp"

namespace throng::agent {

namespace {
constexpr auto population_tick = std::chrono::milliseconds(100);

// How many of the first `n` agent-local slots belong to worker w of `count`.
std::uint64_t worker_part(std::uint64_t n, unsigned w, unsigned count) { return n > w ? (n - w - 1) / count + 1 : 0; }
}  // namespace

worker::worker(unsigned i, unsigned n) : index(i), count(n) {}

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

std::uint64_t worker::local_slots(const run_context& run) const { return worker_part(run.plan.user_count(), index, count); }
std::uint64_t worker::global_slot(std::uint64_t local) const { return run_->plan.first_user() + index + local * count; }
std::uint64_t worker::local_slot(std::uint64_t global) const { return (global - run_->plan.first_user() - index) / count; }

std::uint64_t worker::initial_users(const run_context& run) const {
  if (!run.closed_model()) return 0;
  const auto& p = run.plan;
  return std::min(local_slots(run), worker_part(segment_share(closed_target(run.curve, 0), p.first_user(), p.user_count(), p.total_users()), index, count));
}

void worker::begin_run(std::shared_ptr<run_context> run, std::function<void(const std::string&)> on_ready) {
  run_ = std::move(run);
  on_ready_ = std::move(on_ready);
  closing_ = false;
  started = false;
  // Each worker paces its share of the agent's connect rate.
  pacer.set_rate(run_->plan.connect_rate() / count);
  const std::uint64_t n = run_->closed_model() ? local_slots() : 0;
  slot_user_.assign(n, nullptr);
  slot_busy_.assign(n, false);
  slot_sessions_.assign(n, 0);
  slot_target_ = initial_users(*run_);
  // Every user first, then their connects: the users' state sits together,
  // not between the connect attempts' short-lived memory.
  for (std::uint64_t local = 0; local < slot_target_; ++local) next_session(local);
  for (std::uint64_t local = 0; local < slot_target_; ++local)
    if (slot_user_[local]) slot_user_[local]->start(true);
  net::co_spawn(io, gap_sweeper(), log_exceptions{"gap sweeper"});
}

void worker::start() {
  take_loop_lag();  // the connect storm before the start is not the run's lag
  started = true;
  for (auto& u : users) u->on_run_start();
  if (run_->closed_model()) net::co_spawn(io, closed_population(), log_exceptions{"population"});
  else net::co_spawn(io, open_population(), log_exceptions{"arrivals"});
  if (run_->plan.send_model() == control::SEND_GROUP_RATE) net::co_spawn(io, group_sender(), log_exceptions{"group sender"});
}

std::shared_ptr<virtual_user> worker::adopt(std::uint64_t slot, std::uint64_t user) {
  auto u = std::make_shared<virtual_user>(*this, run_, slot, user);
  u->index_in_worker = static_cast<std::uint32_t>(users.size());
  users.push_back(u);
  return u;
}

void worker::remove(virtual_user& user) {
  const std::size_t i = user.index_in_worker;
  if (i >= users.size() || users[i].get() != &user) return;
  users[i] = std::move(users.back());
  users[i]->index_in_worker = static_cast<std::uint32_t>(i);
  users.pop_back();
}

void worker::add(const sequence_counts& counts) {
  stats.counters.lost += counts.lost;
  stats.counters.duplicated += counts.duplicated;
  stats.counters.out_of_order += counts.out_of_order;
}

bool worker::sends_over() const {
  const std::int64_t start = run_->start_local_ns.load();
  return closing_ || (start && mono_ns() >= start + run_->send_end_ns);
}

void worker::user_ready(const std::string& failure) {
  if (on_ready_) on_ready_(failure);
}

// Closed model: session after session on one slot while the plan wants it;
// an ended session is replaced at once, keeping the concurrency. Session k of
// slot s is user s + k * total_users, so every session has its own identity.
void worker::run_slot(std::uint64_t local) {
  if (auto u = next_session(local)) u->start(false);
}

std::shared_ptr<virtual_user> worker::next_session(std::uint64_t local) {
  if (sends_over() || local >= slot_target_) {
    slot_busy_[local] = false;
    return nullptr;
  }
  slot_busy_[local] = true;
  const std::uint64_t slot = global_slot(local);
  auto u = adopt(slot, slot + slot_sessions_[local]++ * run_->plan.total_users());
  slot_user_[local] = u;
  return u;
}

void worker::session_over(virtual_user& user, bool connected) {
  if (user.run() != run_.get() || !run_->closed_model()) return;
  const std::uint64_t local = local_slot(user.slot());
  if (local >= slot_user_.size() || slot_user_[local].get() != &user) return;
  slot_user_[local] = nullptr;
  if (connected) {
    run_slot(local);
    return;
  }
  // The target refuses: do not spin.
  auto pause = std::make_shared<net::steady_timer>(io, std::chrono::seconds(1));
  pause->async_wait([this, pause, local, run = run_](const error_code&) {
    if (run == run_) run_slot(local);
  });
}

net::awaitable<void> worker::closed_population() {
  net::steady_timer tick(io);
  const auto& p = run_->plan;
  const std::int64_t start = run_->start_local_ns.load();
  // Start arrives ahead of the start instant; until then the initial users stand.
  tick.expires_at(steady_at(start));
  co_await tick.async_wait(use_nothrow);
  while (!closing_) {
    const std::int64_t t = mono_ns() - start;
    const std::uint64_t wanted = segment_share(closed_target(run_->curve, t), p.first_user(), p.user_count(), p.total_users());
    const std::uint64_t target = std::min(local_slots(), worker_part(wanted, index, count));
    const std::uint64_t before = slot_target_;
    slot_target_ = target;
    if (t >= run_->send_end_ns) co_return;
    for (std::uint64_t local = 0; local < target; ++local)
      if (!slot_busy_[local]) run_slot(local);
    for (std::uint64_t local = target; local < before; ++local)
      if (slot_user_[local]) slot_user_[local]->end();  // ramping down
    tick.expires_after(population_tick);
    co_await tick.async_wait(use_nothrow);
  }
}

// Open model: arrival j of the whole run comes at the curve's j-th unit and
// is user j on slot j % total_users; this worker takes the arrivals of its slots.
net::awaitable<void> worker::open_population() {
  net::steady_timer timer(io);
  const auto& p = run_->plan;
  const std::int64_t start = run_->start_local_ns.load();
  const std::uint64_t n = local_slots();
  if (n == 0 || p.total_users() == 0) co_return;
  for (std::uint64_t round = 0; !closing_; ++round)
    for (std::uint64_t local = 0; local < n && !closing_; ++local) {
      const std::uint64_t slot = global_slot(local);
      const std::uint64_t j = round * p.total_users() + slot;
      const std::int64_t at = arrival_time(run_->curve, j);
      if (at < 0) co_return;  // the curve has ended
      timer.expires_at(steady_at(start + at));
      co_await timer.async_wait(use_nothrow);
      if (closing_) co_return;
      adopt(slot, j)->start(false);
    }
}

// A constant total rate across a group: this worker's share of the rate, each
// slot given to the next connected user in turn.
net::awaitable<void> worker::group_sender() {
  const auto& p = run_->plan;
  const double rate = p.sends_per_user_per_s() * static_cast<double>(local_slots()) / static_cast<double>(std::max<std::uint64_t>(1, p.total_users()));
  if (rate <= 0) co_return;
  net::steady_timer timer(io);
  const std::int64_t start = run_->start_local_ns.load();
  const std::int64_t interval = static_cast<std::int64_t>(1e9 / rate);
  std::int64_t next = start + static_cast<std::int64_t>(mix(p.seed(), index) % static_cast<std::uint64_t>(interval));
  std::size_t turn = 0;
  while (!closing_ && next < start + run_->send_end_ns) {
    timer.expires_at(steady_at(next));
    co_await timer.async_wait(use_nothrow);
    if (closing_ || run_->stopping.load()) co_return;
    const std::int64_t now = mono_ns();
    const std::int64_t intended = next;
    next += static_cast<std::int64_t>(static_cast<double>(interval) / std::max(1e-9, run_->rate_multiplier.load()));
    if (run_->paused.load()) continue;
    virtual_user* chosen = nullptr;
    for (std::size_t tried = 0; tried < users.size() && !chosen; ++tried) {
      auto& u = users[turn++ % users.size()];
      if (u->connected()) chosen = u.get();
    }
    if (chosen) chosen->send_one(intended, now);
    else ++stats.counters.dropped;  // a slot with nobody connected to send it
  }
}

net::awaitable<void> worker::gap_sweeper() {
  net::steady_timer timer(io);
  auto run = run_;
  while (!closing_ && run == run_) {
    timer.expires_after(std::chrono::milliseconds(500));
    co_await timer.async_wait(use_nothrow);
    const std::int64_t now = mono_ns();
    for (auto& u : users) u->expire_gaps(now);
  }
}

void worker::storm(const control::ReconnectStorm& storm, std::uint64_t storm_number) {
  const std::int64_t window = std::max<std::int64_t>(1, storm.window_ns());
  const std::int64_t base = storm.backoff_base_ns() > 0 ? storm.backoff_base_ns() : 100'000'000;
  const std::int64_t cap = storm.backoff_max_ns() > 0 ? storm.backoff_max_ns() : 5'000'000'000;
  const std::int64_t now = mono_ns();
  for (auto& u : users) {
    rng pick(run_->plan.seed(), u->user(), stream::storm);
    for (std::uint64_t i = 0; i < storm_number; ++i) pick.next();  // a fresh choice per storm
    if (pick.uniform() >= storm.fraction()) continue;
    const std::int64_t drop_at = now + static_cast<std::int64_t>(pick.below(static_cast<std::uint64_t>(window)));
    // Like a crowd of real clients: a jittered wait before coming back.
    const std::int64_t back_after = backoff_delay(0, base, cap, pick.uniform());
    auto timer = std::make_shared<net::steady_timer>(io, steady_at(drop_at));
    timer->async_wait([timer, weak = std::weak_ptr<virtual_user>(u), back_after](error_code ec) {
      if (auto user = weak.lock(); user && !ec) user->drop(back_after);
    });
  }
}

void worker::close_users() {
  closing_ = true;
  // end() may remove users from the vector: work on a copy.
  auto all = users;
  for (auto& u : all) {
    u->end();
    // The final report is collected next: what was never acked, and what
    // never arrived, is counted in it.
    u->forget_in_flight();
    u->close_gaps();
  }
}

}  // namespace throng::agent
