#pragma once
// Where messages and users live beyond memory. The server sequences a message
// on its room's owner shard and hands batches here; a store commits them on
// its own writer thread (group commit) and reports back. Reads used by joins
// and logins may run on any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../fanout.hpp"

namespace throng::server {

struct stored_room {
  std::string name;
  std::uint64_t last_seq = 0;
  std::vector<chat::ChatMessage> recent;  // oldest first, at most the history depth
};

struct store_options {
  std::string path;                      // SQLite file, or a postgres:// URL; empty for the memory store
  bool durable = true;                   // fsync each group commit (--ack durable)
  std::size_t commit_max_messages = 512; // flush when this many are waiting...
  double commit_max_delay_ms = 2.0;      // ...or the oldest has waited this long
  std::size_t max_pending = 200'000;     // beyond this, sends get UNAVAILABLE
  std::uint64_t max_bytes = 0;           // database size cap (SQLite max_page_count); 0 = none
  double retention_s = 0;                // PostgreSQL: delete messages older than this; 0 = keep all
  double retention_interval_s = 60;      // PostgreSQL: partitions ahead and retention, this often
};

// Figures for /metrics; read from any thread.
struct store_figures {
  std::uint64_t commits = 0;
  std::uint64_t messages_committed = 0;
  std::uint64_t commit_failures = 0;
  std::uint64_t commit_ns_total = 0;
  std::uint64_t last_batch_size = 0;
  std::uint64_t pending = 0;
  std::uint64_t retention_deleted = 0;    // messages removed by retention
  std::uint64_t partitions_dropped = 0;   // whole time partitions removed by retention
};

class message_store {
 public:
  using committed_fn = std::function<void(bool ok)>;
  virtual ~message_store() = default;

  // At start: every room with its last seq and its newest `history_depth` messages.
  virtual std::vector<stored_room> load_rooms(std::size_t history_depth) = 0;
  // Seq numbers to skip per room after an unclean stop, so that a seq a client
  // may already have seen is never reused (accepted-mode acks run ahead of commits).
  virtual std::uint64_t seq_gap_after_crash() const = 0;

  // Queues messages for the writer; `committed` runs on the writer thread after
  // their transaction (ok=false: it failed and nothing of it is stored).
  // Returns false, queueing nothing, when the writer is too far behind.
  virtual bool append(std::vector<fanout_ptr> batch, committed_fn committed) = 0;
  // Messages of `room` with seq > after_seq, oldest first, at most `limit`
  // (the newest ones when there are more). Any thread.
  virtual std::vector<chat::ChatMessage> read_after(const std::string& room, std::uint64_t after_seq,
                                                    std::size_t limit) = 0;

  // Users: false when the name is taken.
  virtual bool create_user(const std::string& name, const std::string& password_hash) = 0;
  virtual std::optional<std::string> password_hash(const std::string& name) = 0;
  // A value kept across restarts (e.g. the token secret), created by `make` on first use.
  virtual std::string setting(const std::string& key, const std::function<std::string()>& make) = 0;

  // Before writing history as old as `oldest_wall_ns` (seeding): make room for
  // it. PostgreSQL creates the day partitions; other stores need nothing.
  virtual void prepare_history_since(std::int64_t oldest_wall_ns) { (void)oldest_wall_ns; }

  // Commits everything queued, then stops the writer (clean shutdown).
  virtual void close() = 0;
  virtual store_figures figures() const = 0;
};

// Opens (creating when missing) a SQLite store in WAL mode. Throws
// std::runtime_error with a message that names the path and the cause.
std::unique_ptr<message_store> open_sqlite_store(const store_options& options);
// Opens a PostgreSQL store (creating its tables, partitioned by day, when
// missing); several URLs shard the history by room, users live in the first.
// Throws std::runtime_error naming the server and the cause.
std::unique_ptr<message_store> open_postgres_store(const std::vector<std::string>& urls, const store_options& options);
// Keeps nothing beyond the rooms' in-memory history; users live in memory.
std::unique_ptr<message_store> open_memory_store();

}  // namespace throng::server
