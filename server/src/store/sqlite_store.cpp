// SQLite store: WAL mode, one writer thread doing group commits, a fresh
// read connection per reading thread.

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "group_commit.hpp"
#include "message_store.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"

namespace throng::server {
namespace {

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

struct stmt_closer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_closer>;

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : "out of memory"));
}

void exec(sqlite3* db, const char* sql, const std::string& path) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("store {}: {} (while running: {})", path, message, sql));
  }
}

stmt_ptr prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    fail(db, fmt::format("cannot prepare '{}'", sql));
  return stmt_ptr(s);
}

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

chat::ChatMessage row_message(sqlite3_stmt* s, const std::string& room) {
  chat::ChatMessage m;
  m.set_room(room);
  m.set_seq(static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)));
  m.set_sender(column_text(s, 1));
  m.set_body(column_text(s, 2));
  m.set_sent_at_ns(sqlite3_column_int64(s, 3));
  m.set_server_ts_ns(sqlite3_column_int64(s, 4));
  return m;
}

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS messages(
  room TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT NOT NULL, body BLOB NOT NULL,
  sent_at_ns INTEGER NOT NULL, server_ts_ns INTEGER NOT NULL,
  PRIMARY KEY(room, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

class sqlite_store final : public message_store {
 public:
  explicit sqlite_store(const store_options& options) : options_(options) {
    writer_db_ = open(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    exec(writer_db_.get(), "PRAGMA journal_mode=WAL", options_.path);
    exec(writer_db_.get(), options_.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", options_.path);
    // Hot rooms' index pages stay cached; checkpoints run less often than every 1,000 pages.
    exec(writer_db_.get(), "PRAGMA cache_size=-65536", options_.path);
    exec(writer_db_.get(), "PRAGMA wal_autocheckpoint=10000", options_.path);
    if (options_.max_bytes) {
      // A full database fails its commits with SQLITE_FULL, like a full disk.
      const auto pages = std::max<std::uint64_t>(options_.max_bytes / 4096, 16);
      exec(writer_db_.get(), fmt::format("PRAGMA max_page_count={}", pages).c_str(), options_.path);
    }
    exec(writer_db_.get(), schema, options_.path);
    insert_ = prepare(writer_db_.get(),
                      "INSERT INTO messages(room, seq, sender, body, sent_at_ns, server_ts_ns) VALUES(?,?,?,?,?,?)");
    // A previous run that stopped without close() left its ack mode here.
    unclean_accepted_ = setting_value("running") == std::optional<std::string>("accepted");
    put_setting("running", options_.durable ? "durable" : "accepted");
    writer_.emplace(options_, [this](const std::vector<const chat::ChatMessage*>& sorted) { return commit(sorted); });
  }

  ~sqlite_store() override { close(); }

  std::vector<stored_room> load_rooms(std::size_t history_depth) override {
    std::vector<stored_room> rooms;
    auto list = prepare(writer_db_.get(), "SELECT room, MAX(seq) FROM messages GROUP BY room");
    while (sqlite3_step(list.get()) == SQLITE_ROW)
      rooms.push_back({column_text(list.get(), 0), static_cast<std::uint64_t>(sqlite3_column_int64(list.get(), 1)), {}});
    for (auto& room : rooms) room.recent = read_newest(writer_db_.get(), room.name, 0, history_depth);
    return rooms;
  }

  std::uint64_t seq_gap_after_crash() const override { return unclean_accepted_ ? options_.max_pending : 0; }

  bool append(std::vector<fanout_ptr> batch, committed_fn committed) override {
    return writer_->append(std::move(batch), std::move(committed));
  }

  std::vector<chat::ChatMessage> read_after(const std::string& room, std::uint64_t after_seq,
                                            std::size_t limit) override {
    // WAL readers never wait for the writer; one read connection serves the readers' threads.
    std::lock_guard lock(reader_mutex_);
    if (!reader_db_) reader_db_ = open(SQLITE_OPEN_READONLY);
    return read_newest(reader_db_.get(), room, after_seq, limit);
  }

  bool create_user(const std::string& name, const std::string& hash) override {
    std::lock_guard lock(users_mutex_);
    auto s = prepare(users_db(), "INSERT OR IGNORE INTO users(name, password_hash, created_ns) VALUES(?,?,?)");
    bind_text(s.get(), 1, name);
    bind_text(s.get(), 2, hash);
    sqlite3_bind_int64(s.get(), 3, wall_ns());
    if (sqlite3_step(s.get()) != SQLITE_DONE) fail(users_db(), "cannot store user");
    return sqlite3_changes(users_db()) == 1;
  }

  std::optional<std::string> password_hash(const std::string& name) override {
    std::lock_guard lock(users_mutex_);
    auto s = prepare(users_db(), "SELECT password_hash FROM users WHERE name = ?");
    bind_text(s.get(), 1, name);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
    return column_text(s.get(), 0);
  }

  std::string setting(const std::string& key, const std::function<std::string()>& make) override {
    if (auto v = setting_value(key)) return *v;
    std::string v = make();
    put_setting(key, v);
    return v;
  }

  void close() override {
    if (closed_.exchange(true)) return;
    writer_->close();
    std::lock_guard lock(users_mutex_);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(writer_db_.get(), "DELETE FROM settings WHERE key = 'running'", -1, &s, nullptr);
    sqlite3_step(s);
    sqlite3_finalize(s);
    insert_.reset();
    users_db_.reset();
    {
      std::lock_guard reader_lock(reader_mutex_);
      reader_db_.reset();
    }
    exec(writer_db_.get(), "PRAGMA wal_checkpoint(TRUNCATE)", options_.path);
  }

  store_figures figures() const override { return writer_->figures(); }

 private:
  db_ptr open(int flags) const {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(options_.path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    db_ptr owned(db);
    if (rc != SQLITE_OK)
      throw std::runtime_error(fmt::format("cannot open store '{}': {} (check that the directory exists and is writable)",
                                           options_.path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_busy_timeout(db, 5000);
    return owned;
  }

  // Users and settings have their own connection so logins never wait for a group commit.
  sqlite3* users_db() {
    if (!users_db_) users_db_ = open(SQLITE_OPEN_READWRITE);
    return users_db_.get();
  }

  std::optional<std::string> setting_value(const std::string& key) {
    std::lock_guard lock(users_mutex_);
    auto s = prepare(users_db(), "SELECT value FROM settings WHERE key = ?");
    bind_text(s.get(), 1, key);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
    return column_text(s.get(), 0);
  }

  void put_setting(const std::string& key, const std::string& value) {
    std::lock_guard lock(users_mutex_);
    auto s = prepare(users_db(), "INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)");
    bind_text(s.get(), 1, key);
    bind_text(s.get(), 2, value);
    if (sqlite3_step(s.get()) != SQLITE_DONE) fail(users_db(), "cannot store setting " + key);
  }

  static std::vector<chat::ChatMessage> read_newest(sqlite3* db, const std::string& room, std::uint64_t after_seq,
                                                    std::size_t limit) {
    auto s = prepare(db,
                     "SELECT seq, sender, body, sent_at_ns, server_ts_ns FROM messages "
                     "WHERE room = ? AND seq > ? ORDER BY seq DESC LIMIT ?");
    bind_text(s.get(), 1, room);
    sqlite3_bind_int64(s.get(), 2, static_cast<sqlite3_int64>(after_seq));
    sqlite3_bind_int64(s.get(), 3, static_cast<sqlite3_int64>(limit));
    std::vector<chat::ChatMessage> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(row_message(s.get(), room));
    if (rc != SQLITE_DONE) fail(db, "cannot read history of room " + room);
    std::reverse(out.begin(), out.end());
    return out;
  }

  // Writer thread: one transaction for the batch.
  bool commit(const std::vector<const chat::ChatMessage*>& sorted) {
    sqlite3* db = writer_db_.get();
    if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
      log_error("store {}: cannot begin a transaction: {}", options_.path, sqlite3_errmsg(db));
      return false;
    }
    sqlite3_stmt* s = insert_.get();
    {
      for (const chat::ChatMessage* mp : sorted) {
        const auto& m = *mp;
        bind_text(s, 1, m.room());
        sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(m.seq()));
        bind_text(s, 3, m.sender());
        sqlite3_bind_blob(s, 4, m.body().data(), static_cast<int>(m.body().size()), SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, m.sent_at_ns());
        sqlite3_bind_int64(s, 6, m.server_ts_ns());
        const int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
          log_error("store {}: cannot insert message {}#{}: {}", options_.path, m.room(), m.seq(), sqlite3_errmsg(db));
          sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
          return false;
        }
      }
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      log_error("store {}: commit failed: {}", options_.path, sqlite3_errmsg(db));
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return false;
    }
    return true;
  }

  store_options options_;
  db_ptr writer_db_;
  stmt_ptr insert_;
  db_ptr users_db_;
  std::mutex users_mutex_;
  db_ptr reader_db_;
  std::mutex reader_mutex_;
  bool unclean_accepted_ = false;
  std::atomic<bool> closed_{false};
  std::optional<group_commit> writer_;  // last: its thread stops first
};

}  // namespace

std::unique_ptr<message_store> open_sqlite_store(const store_options& options) {
  return std::make_unique<sqlite_store>(options);
}

}  // namespace throng::server
