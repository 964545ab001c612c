#include "group_commit.hpp"

#include <algorithm>

#include "throng/common/clock.hpp"

namespace throng::server {

group_commit::group_commit(const store_options& options, commit_fn commit)
    : max_messages_(options.commit_max_messages),
      max_delay_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double, std::milli>(options.commit_max_delay_ms))),
      max_pending_(options.max_pending),
      commit_(std::move(commit)),
      writer_([this] { write_loop(); }) {}

group_commit::~group_commit() { close(); }

bool group_commit::append(std::vector<fanout_ptr> batch, message_store::committed_fn committed) {
  std::lock_guard lock(mutex_);
  if (closed_ || pending_messages_ + batch.size() > max_pending_) return false;
  pending_messages_ += batch.size();
  if (queue_.empty()) oldest_since_ = std::chrono::steady_clock::now();
  queue_.push_back({std::move(batch), std::move(committed)});
  // Wake the writer only when the batch is full; otherwise its timer takes it.
  if (pending_messages_ >= max_messages_ || queue_.size() == 1) wake_.notify_one();
  return true;
}

void group_commit::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

store_figures group_commit::figures() const {
  std::lock_guard lock(mutex_);
  store_figures f = figures_;
  f.pending = pending_messages_;
  return f;
}

void group_commit::write_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closed and drained
    wake_.wait_until(lock, oldest_since_ + max_delay_, [&] { return closed_ || pending_messages_ >= max_messages_; });
    std::deque<queued> work;
    work.swap(queue_);
    const std::size_t count = pending_messages_;
    lock.unlock();

    // Inserting in key order touches each room's index pages once per commit.
    sorted_.clear();
    for (const auto& w : work)
      for (const auto& f : w.batch) sorted_.push_back(&f->frame.message());
    std::sort(sorted_.begin(), sorted_.end(), [](const chat::ChatMessage* a, const chat::ChatMessage* b) {
      return a->room() != b->room() ? a->room() < b->room() : a->seq() < b->seq();
    });
    const auto started = mono_ns();
    const bool ok = commit_(sorted_);
    const auto took = mono_ns() - started;
    for (auto& w : work) w.committed(ok);

    lock.lock();
    pending_messages_ -= count;
    if (!queue_.empty()) oldest_since_ = std::chrono::steady_clock::now();
    figures_.commits += 1;
    figures_.last_batch_size = count;
    figures_.commit_ns_total += static_cast<std::uint64_t>(took);
    if (ok) figures_.messages_committed += count;
    else figures_.commit_failures += 1;
  }
}

}  // namespace throng::server
