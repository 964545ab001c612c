#pragma once
// The writer side every durable store shares: messages queue up from the
// shards, one writer thread takes them in batches (when `max_messages` are
// waiting or the oldest has waited `max_delay_ms`), sorted by (room, seq),
// and commits each batch in one transaction.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "message_store.hpp"

namespace throng::server {

class group_commit {
 public:
  // Runs on the writer thread; true when the whole batch is committed.
  using commit_fn = std::function<bool(const std::vector<const chat::ChatMessage*>& sorted)>;

  group_commit(const store_options& options, commit_fn commit);
  ~group_commit();

  // Any thread; the contract of message_store::append.
  bool append(std::vector<fanout_ptr> batch, message_store::committed_fn committed);
  // Commits what is queued, then stops the writer. Idempotent.
  void close();
  store_figures figures() const;

 private:
  struct queued {
    std::vector<fanout_ptr> batch;
    message_store::committed_fn committed;
  };
  void write_loop();

  const std::size_t max_messages_;
  const std::chrono::steady_clock::duration max_delay_;
  const std::size_t max_pending_;
  commit_fn commit_;
  std::vector<const chat::ChatMessage*> sorted_;  // writer thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<queued> queue_;
  std::size_t pending_messages_ = 0;
  std::chrono::steady_clock::time_point oldest_since_;
  bool closed_ = false;
  store_figures figures_;
  std::thread writer_;
};

}  // namespace throng::server
