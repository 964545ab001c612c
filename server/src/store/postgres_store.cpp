// PostgreSQL store: messages in a table partitioned by day, written by one
// writer thread per database in group commits (one pipelined transaction of
// prepared inserts per batch), read by (room, seq). A maintenance thread
// creates partitions ahead of time and applies retention in small batches
// (whole expired partitions are detached concurrently and dropped), so
// writers are never blocked. Several databases shard the history by room.

#include <arpa/inet.h>
#include <libpq-fe.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "group_commit.hpp"
#include "message_store.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"
#include "throng/common/url.hpp"

namespace throng::server {
namespace {

constexpr std::int64_t schema_lock_key = 0x7468726f6e6701;       // one instance creates tables at a time
constexpr std::int64_t maintenance_lock_key = 0x7468726f6e6702;  // one instance runs retention at a time
constexpr int retention_batch_rows = 5000;
constexpr int partitions_ahead_days = 2;

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS messages(
  room text NOT NULL, seq bigint NOT NULL, sender text NOT NULL, body bytea NOT NULL,
  sent_at_ns bigint NOT NULL, server_ts_ns bigint NOT NULL, created_at timestamptz NOT NULL
) PARTITION BY RANGE (created_at);
CREATE INDEX IF NOT EXISTS messages_room_seq ON messages(room, seq);
CREATE TABLE IF NOT EXISTS users(name text PRIMARY KEY, password_hash text NOT NULL,
                                 created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS settings(key text PRIMARY KEY, value text NOT NULL);
)sql";

struct result_closer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_closer>;

std::uint64_t be64(std::uint64_t v) { return (static_cast<std::uint64_t>(htonl(static_cast<std::uint32_t>(v))) << 32) | htonl(static_cast<std::uint32_t>(v >> 32)); }

std::int64_t read_int8(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return static_cast<std::int64_t>(be64(v));
}

// The day partition holding `t` (UTC): name and bounds.
struct day_partition {
  std::string name, from, to;
};
day_partition partition_for(std::time_t t) {
  std::tm day{};
  gmtime_r(&t, &day);
  day.tm_hour = day.tm_min = day.tm_sec = 0;
  std::tm next = day;
  next.tm_mday += 1;
  const std::time_t next_t = timegm(&next);
  gmtime_r(&next_t, &next);
  char name[32], from[32], to[32];
  std::strftime(name, sizeof name, "messages_p%Y%m%d", &day);
  std::strftime(from, sizeof from, "%Y-%m-%d 00:00:00+00", &day);
  std::strftime(to, sizeof to, "%Y-%m-%d 00:00:00+00", &next);
  return {name, from, to};
}

// One connection with its prepared statements, re-established after a failure.
class pg_connection {
 public:
  pg_connection(std::string url, std::function<void(PGconn*)> on_connect)
      : url_(std::move(url)), on_connect_(std::move(on_connect)) {}
  ~pg_connection() {
    if (conn_) PQfinish(conn_);
  }

  // Connects at start; throws with the reason.
  void open() {
    if (!connect())
      throw std::runtime_error(fmt::format("cannot connect to PostgreSQL at {}: {}check the URL and that the server runs",
                                           without_password(url_), last_error_));
  }

  // The live connection, reconnecting when it was lost; null while unreachable.
  PGconn* get() {
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) return conn_;
    return connect() ? conn_ : nullptr;
  }

 private:
  bool connect() {
    if (conn_) PQfinish(conn_);
    conn_ = PQconnectdb(url_.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      last_error_ = PQerrorMessage(conn_);
      if (last_error_.empty() || last_error_.back() != '\n') last_error_ += "; ";
      else last_error_.back() = ';', last_error_ += ' ';
      return false;
    }
    try {
      if (on_connect_) on_connect_(conn_);
    } catch (const std::exception& e) {
      last_error_ = std::string(e.what()) + "; ";
      PQfinish(conn_);
      conn_ = nullptr;
      throw;
    }
    return true;
  }

  std::string url_;
  std::function<void(PGconn*)> on_connect_;
  PGconn* conn_ = nullptr;
  std::string last_error_;
};

result_ptr exec(PGconn* c, const std::string& sql) { return result_ptr(PQexec(c, sql.c_str())); }

bool ok(const result_ptr& r) {
  const auto s = PQresultStatus(r.get());
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

void exec_or_throw(PGconn* c, const std::string& sql, const std::string& label) {
  auto r = exec(c, sql);
  if (!ok(r)) throw std::runtime_error(fmt::format("store {}: {} (while running: {})", label, PQresultErrorMessage(r.get()), sql));
}

void prepare(PGconn* c, const char* name, const char* sql, int params, const Oid* types = nullptr) {
  result_ptr r(PQprepare(c, name, sql, params, types));
  if (!ok(r)) throw std::runtime_error(fmt::format("cannot prepare '{}': {}", sql, PQresultErrorMessage(r.get())));
}

// Binary results: text columns are their bytes, int8 big-endian.
std::string column(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}

class postgres_store final : public message_store {
 public:
  postgres_store(std::string url, const store_options& options)
      : options_(options),
        label_(without_password(url)),
        writer_conn_(url,
                     [this](PGconn* c) {
                       // --ack accepted: acks do not wait for the commit, so neither need the commits wait for the WAL flush.
                       if (!options_.durable) exec_or_throw(c, "SET synchronous_commit = off", label_);
                       prepare_writer(c);
                     }),
        reader_conn_(url, [](PGconn* c) { prepare_reader(c); }),
        maintenance_conn_(url, nullptr) {
    {
      pg_connection setup(url, nullptr);
      setup.open();
      PGconn* c = setup.get();
      // Instances starting together must not race to create the same tables.
      exec_or_throw(c, fmt::format("SELECT pg_advisory_lock({})", schema_lock_key), label_);
      exec_or_throw(c, schema, label_);
      ensure_partitions(c);
      exec_or_throw(c, fmt::format("SELECT pg_advisory_unlock({})", schema_lock_key), label_);
    }
    writer_conn_.open();
    reader_conn_.open();
    unclean_accepted_ = setting_value("running") == std::optional<std::string>("accepted");
    put_setting("running", options_.durable ? "durable" : "accepted");
    maintenance_ = std::thread([this] { maintenance_loop(); });
    writer_.emplace(options_, [this](const std::vector<const chat::ChatMessage*>& sorted) { return commit(sorted); });
    log_info("store: PostgreSQL {} ({} acks{})", label_, options_.durable ? "durable" : "accepted",
             options_.retention_s > 0 ? fmt::format(", retention {:.0f} s", options_.retention_s) : "");
  }

  ~postgres_store() override { close(); }

  std::vector<stored_room> load_rooms(std::size_t history_depth) override {
    std::vector<stored_room> rooms;
    std::lock_guard lock(reader_mutex_);
    PGconn* c = reader_conn_.get();
    if (!c) throw std::runtime_error("store " + label_ + ": not reachable");
    auto r = exec(c, "SELECT room, max(seq) FROM messages GROUP BY room");
    if (!ok(r)) throw std::runtime_error(fmt::format("store {}: {}", label_, PQresultErrorMessage(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i)
      rooms.push_back({PQgetvalue(r.get(), i, 0), std::stoull(PQgetvalue(r.get(), i, 1)), {}});
    for (auto& room : rooms) room.recent = read_newest(c, room.name, 0, history_depth);
    return rooms;
  }

  std::uint64_t seq_gap_after_crash() const override { return unclean_accepted_ ? options_.max_pending : 0; }

  bool append(std::vector<fanout_ptr> batch, committed_fn committed) override {
    return writer_->append(std::move(batch), std::move(committed));
  }

  std::vector<chat::ChatMessage> read_after(const std::string& room, std::uint64_t after_seq, std::size_t limit) override {
    std::lock_guard lock(reader_mutex_);
    PGconn* c = reader_conn_.get();
    if (!c) throw std::runtime_error("store " + label_ + ": not reachable");
    return read_newest(c, room, after_seq, limit);
  }

  bool create_user(const std::string& name, const std::string& hash) override {
    std::lock_guard lock(reader_mutex_);
    const char* values[] = {name.c_str(), hash.c_str()};
    auto r = call("throng_create_user", 2, values);
    return PQcmdTuples(r.get())[0] == '1';
  }

  std::optional<std::string> password_hash(const std::string& name) override {
    std::lock_guard lock(reader_mutex_);
    const char* values[] = {name.c_str()};
    auto r = call("throng_password_hash", 1, values);
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return column(r.get(), 0, 0);
  }

  std::string setting(const std::string& key, const std::function<std::string()>& make) override {
    if (auto v = setting_value(key)) return *v;
    // Instances starting together: the first value written wins, and all read it back.
    std::lock_guard lock(reader_mutex_);
    const std::string v = make();
    const char* values[] = {key.c_str(), v.c_str()};
    call("throng_add_setting", 2, values);
    const char* k[] = {key.c_str()};
    auto r = call("throng_setting", 1, k);
    return PQntuples(r.get()) ? column(r.get(), 0, 0) : v;
  }

  void close() override {
    if (closed_.exchange(true)) return;
    writer_->close();
    {
      std::lock_guard lock(maintenance_mutex_);
      stopping_ = true;
    }
    maintenance_wake_.notify_one();
    if (maintenance_.joinable()) maintenance_.join();
    std::lock_guard lock(reader_mutex_);
    if (PGconn* c = reader_conn_.get()) exec(c, "DELETE FROM settings WHERE key = 'running'");
  }

  store_figures figures() const override {
    auto f = writer_->figures();
    f.retention_deleted = retention_deleted_.load();
    f.partitions_dropped = partitions_dropped_.load();
    return f;
  }

 private:
  // text, int8, text, bytea, int8, int8 (pg_type OIDs): the values are sent in binary.
  static constexpr Oid insert_types[] = {25, 20, 25, 17, 20, 20};

  static void prepare_writer(PGconn* c) {
    prepare(c, "throng_insert",
            "INSERT INTO messages(room, seq, sender, body, sent_at_ns, server_ts_ns, created_at) "
            "VALUES($1, $2, $3, $4, $5, $6, to_timestamp($6::float8 / 1e9))",
            6, insert_types);
  }

  static void prepare_reader(PGconn* c) {
    prepare(c, "throng_read",
            "SELECT seq, sender, body, sent_at_ns, server_ts_ns FROM messages "
            "WHERE room = $1 AND seq > $2::bigint ORDER BY seq DESC LIMIT $3::bigint",
            3);
    prepare(c, "throng_create_user", "INSERT INTO users(name, password_hash) VALUES($1, $2) ON CONFLICT DO NOTHING", 2);
    prepare(c, "throng_password_hash", "SELECT password_hash FROM users WHERE name = $1", 1);
    prepare(c, "throng_setting", "SELECT value FROM settings WHERE key = $1", 1);
    prepare(c, "throng_add_setting", "INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT (key) DO NOTHING", 2);
    prepare(c, "throng_put_setting",
            "INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", 2);
  }

  // Runs a prepared statement on the reader connection (held by the caller); throws on failure.
  result_ptr call(const char* statement, int n, const char* const* values) {
    PGconn* c = reader_conn_.get();
    if (!c) throw std::runtime_error("store " + label_ + ": not reachable");
    result_ptr r(PQexecPrepared(c, statement, n, values, nullptr, nullptr, 1));
    if (!ok(r)) throw std::runtime_error(fmt::format("store {}: {}", label_, PQresultErrorMessage(r.get())));
    return r;
  }

  std::optional<std::string> setting_value(const std::string& key) {
    std::lock_guard lock(reader_mutex_);
    const char* values[] = {key.c_str()};
    auto r = call("throng_setting", 1, values);
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return column(r.get(), 0, 0);
  }

  void put_setting(const std::string& key, const std::string& value) {
    std::lock_guard lock(reader_mutex_);
    const char* values[] = {key.c_str(), value.c_str()};
    call("throng_put_setting", 2, values);
  }

  std::vector<chat::ChatMessage> read_newest(PGconn* c, const std::string& room, std::uint64_t after_seq,
                                             std::size_t limit) {
    const std::string after = std::to_string(after_seq), max = std::to_string(limit);
    const char* values[] = {room.c_str(), after.c_str(), max.c_str()};
    result_ptr r(PQexecPrepared(c, "throng_read", 3, values, nullptr, nullptr, 1));
    if (!ok(r))
      throw std::runtime_error(fmt::format("store {}: cannot read history of room {}: {}", label_, room,
                                           PQresultErrorMessage(r.get())));
    std::vector<chat::ChatMessage> out(static_cast<std::size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      auto& m = out[out.size() - 1 - static_cast<std::size_t>(i)];  // oldest first
      m.set_room(room);
      m.set_seq(static_cast<std::uint64_t>(read_int8(PQgetvalue(r.get(), i, 0))));
      m.set_sender(column(r.get(), i, 1));
      m.set_body(column(r.get(), i, 2));
      m.set_sent_at_ns(read_int8(PQgetvalue(r.get(), i, 3)));
      m.set_server_ts_ns(read_int8(PQgetvalue(r.get(), i, 4)));
    }
    return out;
  }

  // Writer thread: the batch as one pipelined transaction (one round trip).
  bool commit(const std::vector<const chat::ChatMessage*>& sorted) {
    PGconn* c = writer_conn_.get();
    if (!c) {
      log_error("store {}: not reachable; {} message(s) not stored", label_, sorted.size());
      return false;
    }
    if (PQenterPipelineMode(c) != 1) {
      log_error("store {}: cannot enter pipeline mode: {}", label_, PQerrorMessage(c));
      return false;
    }
    bool sent = true;
    for (const chat::ChatMessage* m : sorted) {
      const std::uint64_t seq = be64(m->seq()), sent_at = be64(static_cast<std::uint64_t>(m->sent_at_ns())),
                          server_ts = be64(static_cast<std::uint64_t>(m->server_ts_ns()));
      const char* values[] = {m->room().data(), reinterpret_cast<const char*>(&seq), m->sender().data(),
                              m->body().data(), reinterpret_cast<const char*>(&sent_at),
                              reinterpret_cast<const char*>(&server_ts)};
      const int lengths[] = {static_cast<int>(m->room().size()), 8, static_cast<int>(m->sender().size()),
                             static_cast<int>(m->body().size()), 8, 8};
      static constexpr int formats[] = {1, 1, 1, 1, 1, 1};
      if (PQsendQueryPrepared(c, "throng_insert", 6, values, lengths, formats, 0) != 1) {
        sent = false;
        break;
      }
    }
    bool committed = sent && PQpipelineSync(c) == 1;
    std::string first_error = sent ? "" : PQerrorMessage(c);
    // Every statement answers, then the sync point; an error aborts the whole transaction.
    for (std::size_t nulls = 0; sent && nulls <= sorted.size() + 1;) {
      result_ptr r(PQgetResult(c));
      if (!r) {
        if (PQstatus(c) != CONNECTION_OK) {
          committed = false;
          first_error = PQerrorMessage(c);
          break;
        }
        ++nulls;
        continue;
      }
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_PIPELINE_SYNC) break;
      if (status != PGRES_COMMAND_OK) {
        if (committed) first_error = PQresultErrorMessage(r.get());
        committed = false;
      }
    }
    PQexitPipelineMode(c);
    if (!committed)
      log_error("store {}: group commit of {} message(s) failed: {}", label_, sorted.size(), first_error);
    return committed;
  }

  void prepare_history_since(std::int64_t oldest_wall_ns) override {
    std::lock_guard lock(reader_mutex_);
    PGconn* c = reader_conn_.get();
    if (!c) throw std::runtime_error("store " + label_ + ": not reachable");
    const std::time_t now = std::time(nullptr);
    const auto days_back = static_cast<int>((now - oldest_wall_ns / 1'000'000'000) / 86400) + 1;
    ensure_partitions(c, days_back);
  }

  // Day partitions from `days_back` days ago to a few days ahead.
  void ensure_partitions(PGconn* c, int days_back = 1) {
    const std::time_t now = std::time(nullptr);
    for (int d = -days_back; d <= partitions_ahead_days; ++d) {
      const auto p = partition_for(now + d * 86400);
      auto r = exec(c, fmt::format("CREATE TABLE IF NOT EXISTS {} PARTITION OF messages FOR VALUES FROM ('{}') TO ('{}')",
                                   p.name, p.from, p.to));
      if (!ok(r)) log_warn("store {}: cannot create partition {}: {}", label_, p.name, PQresultErrorMessage(r.get()));
    }
  }

  // Expired whole partitions go at once (detached concurrently, then dropped);
  // the rest in batches of rows, each its own short transaction.
  void apply_retention(PGconn* c) {
    const double cutoff = static_cast<double>(std::time(nullptr)) - options_.retention_s;
    auto parts = exec(c,
                      "SELECT c.relname, extract(epoch FROM (to_date(substring(c.relname FROM 11), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC') "
                      "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                      "WHERE p.relname = 'messages' AND c.relname ~ '^messages_p[0-9]{8}$'");
    if (!ok(parts)) {
      log_warn("store {}: retention: cannot list partitions: {}", label_, PQresultErrorMessage(parts.get()));
      return;
    }
    for (int i = 0; i < PQntuples(parts.get()); ++i) {
      const std::string name = PQgetvalue(parts.get(), i, 0);
      if (std::stod(PQgetvalue(parts.get(), i, 1)) > cutoff) continue;
      auto detach = exec(c, fmt::format("ALTER TABLE messages DETACH PARTITION {} CONCURRENTLY", name));
      auto drop = exec(c, fmt::format("DROP TABLE IF EXISTS {}", name));
      if (ok(detach) && ok(drop)) {
        partitions_dropped_.fetch_add(1);
        log_info("store {}: retention dropped partition {}", label_, name);
      } else {
        log_warn("store {}: retention: cannot drop partition {}: {}", label_, name,
                 PQresultErrorMessage(ok(detach) ? drop.get() : detach.get()));
      }
    }
    const std::string sql = fmt::format(
        "DELETE FROM messages WHERE (room, seq) IN (SELECT room, seq FROM messages WHERE created_at < to_timestamp({}) "
        "LIMIT {})",
        cutoff, retention_batch_rows);
    for (;;) {
      auto r = exec(c, sql);
      if (!ok(r)) {
        log_warn("store {}: retention: {}", label_, PQresultErrorMessage(r.get()));
        return;
      }
      const auto n = std::stoull(PQcmdTuples(r.get()));
      retention_deleted_.fetch_add(n);
      if (n < static_cast<std::uint64_t>(retention_batch_rows)) return;
      std::lock_guard lock(maintenance_mutex_);
      if (stopping_) return;
    }
  }

  void maintenance_loop() {
    const auto interval = std::chrono::duration<double>(std::max(options_.retention_interval_s, 0.05));
    std::unique_lock lock(maintenance_mutex_);
    while (!maintenance_wake_.wait_for(lock, interval, [&] { return stopping_; })) {
      lock.unlock();
      if (PGconn* c = maintenance_conn_.get()) {
        auto locked = exec(c, fmt::format("SELECT pg_try_advisory_lock({})", maintenance_lock_key));
        if (ok(locked) && PQgetvalue(locked.get(), 0, 0)[0] == 't') {
          ensure_partitions(c);
          if (options_.retention_s > 0) apply_retention(c);
          exec(c, fmt::format("SELECT pg_advisory_unlock({})", maintenance_lock_key));
        }
      }
      lock.lock();
    }
  }

  store_options options_;
  std::string label_;
  pg_connection writer_conn_;  // writer thread only
  pg_connection reader_conn_;  // under reader_mutex_
  std::mutex reader_mutex_;
  pg_connection maintenance_conn_;  // maintenance thread only
  bool unclean_accepted_ = false;
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> retention_deleted_{0}, partitions_dropped_{0};

  std::mutex maintenance_mutex_;
  std::condition_variable maintenance_wake_;
  bool stopping_ = false;
  std::thread maintenance_;
  std::optional<group_commit> writer_;  // last: its thread stops first
};

// Rooms spread over several databases by a hash every instance agrees on.
class sharded_store final : public message_store {
 public:
  explicit sharded_store(std::vector<std::unique_ptr<message_store>> shards) : shards_(std::move(shards)) {}

  std::vector<stored_room> load_rooms(std::size_t depth) override {
    std::vector<stored_room> all;
    for (auto& s : shards_)
      for (auto& r : s->load_rooms(depth)) all.push_back(std::move(r));
    return all;
  }
  std::uint64_t seq_gap_after_crash() const override {
    std::uint64_t gap = 0;
    for (const auto& s : shards_) gap = std::max(gap, s->seq_gap_after_crash());
    return gap;
  }

  bool append(std::vector<fanout_ptr> batch, committed_fn committed) override {
    std::vector<std::vector<fanout_ptr>> parts(shards_.size());
    for (auto& f : batch) parts[shard_index(f->frame.message().room())].push_back(std::move(f));
    struct join_state {
      std::atomic<std::size_t> remaining{0};
      std::atomic<bool> all_ok{true};
      std::atomic<bool> refused{false};
      committed_fn committed;
    };
    auto state = std::make_shared<join_state>();
    state->committed = std::move(committed);
    for (const auto& p : parts) state->remaining += p.empty() ? 0 : 1;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].empty()) continue;
      const bool queued = shards_[i]->append(std::move(parts[i]), [state](bool ok) {
        if (!ok) state->all_ok = false;
        if (state->remaining.fetch_sub(1) == 1 && !state->refused) state->committed(state->all_ok);
      });
      if (!queued) {
        // The caller answers UNAVAILABLE for the whole batch; parts already queued still commit.
        state->refused = true;
        return false;
      }
    }
    return true;
  }

  std::vector<chat::ChatMessage> read_after(const std::string& room, std::uint64_t after, std::size_t limit) override {
    return shards_[shard_index(room)]->read_after(room, after, limit);
  }
  void prepare_history_since(std::int64_t oldest_wall_ns) override {
    for (auto& s : shards_) s->prepare_history_since(oldest_wall_ns);
  }
  bool create_user(const std::string& n, const std::string& h) override { return shards_[0]->create_user(n, h); }
  std::optional<std::string> password_hash(const std::string& n) override { return shards_[0]->password_hash(n); }
  std::string setting(const std::string& k, const std::function<std::string()>& make) override {
    return shards_[0]->setting(k, make);
  }
  void close() override {
    for (auto& s : shards_) s->close();
  }
  store_figures figures() const override {
    store_figures sum;
    for (const auto& s : shards_) {
      const auto f = s->figures();
      sum.commits += f.commits;
      sum.messages_committed += f.messages_committed;
      sum.commit_failures += f.commit_failures;
      sum.commit_ns_total += f.commit_ns_total;
      sum.last_batch_size = std::max(sum.last_batch_size, f.last_batch_size);
      sum.pending += f.pending;
      sum.retention_deleted += f.retention_deleted;
      sum.partitions_dropped += f.partitions_dropped;
    }
    return sum;
  }

 private:
  // FNV-1a: the same room maps to the same database on every instance and build.
  std::size_t shard_index(const std::string& room) const {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : room) h = (h ^ c) * 1099511628211ull;
    return static_cast<std::size_t>(h % shards_.size());
  }

  std::vector<std::unique_ptr<message_store>> shards_;
};

}  // namespace

std::unique_ptr<message_store> open_postgres_store(const std::vector<std::string>& urls, const store_options& options) {
  if (urls.size() == 1) return std::make_unique<postgres_store>(urls[0], options);
  std::vector<std::unique_ptr<message_store>> shards;
  for (const auto& url : urls) shards.push_back(std::make_unique<postgres_store>(url, options));
  return std::make_unique<sharded_store>(std::move(shards));
}

}  // namespace throng::server
