#include "throng/server/server.hpp"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "auth/auth_api.hpp"
#include "listener.hpp"
#include "session.hpp"
#include "shard.hpp"
#include "throng/common/fd_limit.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"
#include "throng/common/token.hpp"
#include "throng/common/url.hpp"

namespace throng::server {
namespace {

std::string store_description(const server_config& config) {
  if (config.store == "sqlite") return "sqlite " + config.store_path;
  if (config.store == "postgres") return fmt::format("postgres ({} database(s))", config.postgres_urls.size());
  return config.store;
}

std::unique_ptr<message_store> open_store(const server_config& config) {
  if (config.store == "memory") return open_memory_store();
  if (config.store != "sqlite" && config.store != "postgres")
    throw std::runtime_error(fmt::format("--store '{}' is not a store; use sqlite, memory or postgres://…", config.store));
  store_options options;
  options.path = config.store_path;
  options.retention_s = config.retention_s;
  options.retention_interval_s = config.retention_interval_s;
  options.durable = config.ack_durable;
  options.commit_max_messages = config.commit_max_messages;
  options.commit_max_delay_ms = config.commit_max_delay_ms;
  options.max_bytes = config.store_max_bytes;
  if (config.store == "postgres") return open_postgres_store(config.postgres_urls, options);
  return open_sqlite_store(options);
}

http_response refuse_upgrade(const http_request& req, http::status status, std::string why) {
  auto res = text_response(req, status, std::move(why));
  res.keep_alive(false);
  return res;
}

}  // namespace

struct server::impl {
  server_core core;
  std::unique_ptr<auth_api> auth;
  std::optional<tcp::acceptor> acceptor;  // on shard 0
  std::optional<listener> accepting;
  unsigned short port = 0;
  std::atomic<bool> stopping{false};

  explicit impl(server_config config) {
    core.config = std::move(config);
    const auto& cfg = core.config;
    for (const auto& preset : cfg.rooms) core.presets.emplace(preset.name, preset);

    const std::size_t fd_cap = raise_open_file_limit();
    core.connection_cap = cfg.max_connections ? std::min(cfg.max_connections, fd_cap) : fd_cap;
    if (cfg.max_connections > fd_cap)
      log_warn("--max-connections {} is above what the open-file limit allows; capping at {}", cfg.max_connections, fd_cap);
    log_info("connection cap {} (open-file limit allows {})", core.connection_cap, fd_cap);

    unsigned n = cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) core.shards.push_back(std::make_unique<shard>(core, i));
    if (cfg.io_uring != "off") {
      std::string why;
      for (auto& s : core.shards)
        if (!s->outbox.use_io_uring(why)) {
          if (cfg.io_uring == "on")
            throw std::runtime_error("--io-uring on: the kernel refused a ring (" + why + "); use --io-uring off or auto");
          log_info("io_uring unavailable ({}): one sendmsg per connection", why);
          break;
        }
    }
    // One listener; each accepted socket is created directly on the next shard's
    // io_context (round-robin) and stays there. No SO_REUSEPORT: a second server
    // started on the same port by mistake must fail, not silently share it.
    acceptor.emplace(core.shards[0]->io);
    open_acceptor(*acceptor, cfg.host, cfg.port);
    port = acceptor->local_endpoint().port();

    core.store = open_store(cfg);
    core.memory_store = cfg.store == "memory";
    if (cfg.bus != "local" && cfg.role != server_role::auth) {
      auto bus_options = parse_redis_url(cfg.bus);
      bus_options.stream_length = cfg.bus_stream_length;
      core.bus = std::make_unique<redis_bus>(bus_options, [this](const std::string& room, std::uint64_t seq,
                                                                            std::string payload) {
        shard& owner = core.owner_of(room);
        net::post(owner.io, [&owner, room, seq, payload = std::move(payload)] { owner.on_bus_message(room, seq, payload); });
      });
      core.bus->start();
    }
    core.token_secret = cfg.token_secret.empty() ? core.store->setting("token_secret", random_secret) : cfg.token_secret;
    // A split service verifies the other's tokens only with the same secret;
    // services on one PostgreSQL database share the one kept there.
    if (cfg.role != server_role::all && cfg.token_secret.empty() && cfg.store != "postgres")
      log_warn("--role {} without --token-secret: user tokens are signed with the secret kept in {}{}; give the auth "
               "and chat services the same --token-secret (or THRONG_TOKEN_SECRET), or the chat service refuses "
               "every token of /api/login",
               cfg.role == server_role::auth ? "auth" : "chat", store_description(cfg),
               cfg.store == "memory" ? ", which is random to this process" : " unless both services use this file");
    // With the bus, rooms are shared: their state comes from their streams on first join.
    if (cfg.role != server_role::auth && !core.bus) {
      std::size_t restored = 0;
      for (auto& room : core.store->load_rooms(std::max<std::size_t>(cfg.history_depth, 64))) {
        ++restored;
        core.owner_of(room.name).restore(std::move(room));
      }
      if (restored) log_info("restored {} room(s) from {}", restored, store_description(cfg));
    }
    if (cfg.role != server_role::chat) auth = std::make_unique<auth_api>(core);
  }

  ~impl() {
    if (core.bus) core.bus->stop();
    auth.reset();
    core.store_readers.join();
    if (core.store) core.store->close();
  }

  void write_port_file() const {
    const std::string tmp = core.config.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    if (std::rename(tmp.c_str(), core.config.port_file.c_str()) != 0)
      throw std::system_error(errno, std::generic_category(), "cannot write port file " + core.config.port_file);
  }

  http_response plain_request(const http_request& req) {
    const auto target = req.target();
    if (target == "/metrics") return metrics_response(req, render_metrics(core));
    if (target == "/healthz") return text_response(req, http::status::ok, "ok\n");
    if (auth_api::handles(req))
      return text_response(req, http::status::not_found,
                           "this server runs --role chat; the auth API is served by the --role auth (or all) service\n");
    return text_response(req, http::status::not_found, "not found; the chat endpoint is the WebSocket /ws\n");
  }

  // How the shard answers what its request reader hands on.
  void serve_requests(shard& s) {
    auto h = std::make_shared<http_handlers>();
    h->on_request_async = [this](http_request req, tcp::endpoint peer) -> net::awaitable<http_response> {
      if (auth && auth_api::handles(req)) {
        auto answer = auth->handle(std::move(req), peer);
        co_return co_await std::move(answer);
      }
      co_return plain_request(req);
    };
    h->accepts_upgrade = is_chat_endpoint;
    h->on_upgrade = [this, &s](beast::tcp_stream stream, http_request req) -> net::awaitable<void> {
      if (auto refusal = upgrade_refusal(s, req)) {
        co_await http::async_write(stream, *refusal, use_nothrow);
        co_return;
      }
      error_code ec;
      const int fd = stream.release_socket().release(ec);  // from Asio's reactor to the shard's own
      if (ec) {
        core.connections.fetch_sub(1, std::memory_order_relaxed);  // counted by upgrade_refusal
        co_return;
      }
      start_session(s, fd, req);
      co_return;
    };
    // The shard's request reader takes the upgrades it can straight to a
    // session; what it cannot (refusals included) comes to the handlers above.
    s.requests.set_handlers(
        [this, &s](int fd, const http_request& req) {
          if (!is_chat_endpoint(req) || core.config.role == server_role::auth || !count_connection()) return false;
          start_session(s, fd, req);
          return true;
        },
        [&s, h, protocol = acceptor->local_endpoint().protocol()](int fd, std::string bytes) {
          tcp::socket socket(s.io);
          error_code ec;
          socket.assign(protocol, fd, ec);
          if (ec) {
            ::close(fd);
            return;
          }
          net::co_spawn(s.io, serve_http_connection(beast::tcp_stream(std::move(socket)), h, std::move(bytes)),
                        log_exceptions{"http connection"});
        });
  }

  static bool is_chat_endpoint(const http_request& req) {
    const auto target = req.target();
    return target == "/ws" || target.starts_with("/ws?");
  }

  // Counts a connection against the cap; false (counting nothing) when it is reached.
  bool count_connection() {
    if (core.connections.fetch_add(1, std::memory_order_relaxed) < core.connection_cap) return true;
    core.connections.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }

  // Why an upgrade is refused, counting the connection when it is not.
  std::optional<http_response> upgrade_refusal(shard& s, const http_request& req) {
    if (core.config.role == server_role::auth)
      return refuse_upgrade(req, http::status::not_found, "this server runs --role auth; chat is on the --role chat service\n");
    if (count_connection()) return std::nullopt;
    s.metrics.connections_refused.add();
    return refuse_upgrade(req, http::status::service_unavailable,
                          fmt::format("the server is at its connection limit ({}); retry later\n", core.connection_cap));
  }

  // The session runs on callbacks from here; no coroutine or HTTP buffer stays.
  static void start_session(shard& s, int fd, const http_request& req) {
    auto sess = std::make_shared<session>(s, s.next_session_id++);
    s.adopt(sess);
    if (!sess->start(fd, req)) s.release(sess);
  }

  // Runs `(sh.*work)()` every interval on the shard's loop: presence updates
  // (at most one per room per interval), and the sweep of idle connections
  // and unanswered closes (no timer per connection).
  static net::awaitable<void> every(shard& sh, std::chrono::nanoseconds interval, void (shard::*work)()) {
    net::steady_timer tick(sh.io);
    for (;;) {
      tick.expires_after(interval);
      auto [ec] = co_await tick.async_wait(use_nothrow);
      if (ec) co_return;
      (sh.*work)();
    }
  }

  // Closes the shard's sessions, waits for them to go (at most `grace`), then stops its loop.
  static net::awaitable<void> drain_and_stop(shard& sh, std::chrono::milliseconds grace) {
    sh.begin_shutdown();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    net::steady_timer tick(sh.io);
    while (!sh.sessions.empty() && std::chrono::steady_clock::now() < deadline) {
      tick.expires_after(std::chrono::milliseconds(20));
      co_await tick.async_wait(use_nothrow);
    }
    sh.io.stop();
  }

  void stop() {
    if (stopping.exchange(true)) return;
    log_info("shutting down: closing sessions (grace {:.1f}s), then flushing the store", core.config.shutdown_grace_s);
    net::post(core.shards[0]->io, [this] {
      error_code ignored;
      acceptor->close(ignored);  // stop accepting first
    });
    const auto grace = std::chrono::milliseconds(static_cast<long>(core.config.shutdown_grace_s * 1000));
    for (auto& s : core.shards) {
      shard& sh = *s;
      net::co_spawn(sh.io, drain_and_stop(sh, grace), net::detached);
    }
  }
};

server::server(server_config config) : impl_(std::make_unique<impl>(std::move(config))) {}
server::~server() = default;

unsigned short server::port() const noexcept { return impl_->port; }

void server::stop() { impl_->stop(); }

void server::run(bool handle_signals) {
  auto& core = impl_->core;
  auto& shards = core.shards;
  for (auto& s : shards) impl_->serve_requests(*s);
  // Connections are spread round-robin over the shards' request readers.
  shard& first = *shards[0];
  impl_->accepting.emplace(*impl_->acceptor, [&shards, next = std::size_t{0}](int fd) mutable {
    shard& s = *shards[next++ % shards.size()];
    if (&s == shards[0].get()) {
      s.requests.take(fd);
    } else {
      net::post(s.io, [&s, fd] { s.requests.take(fd); });
    }
  });
  net::post(first.io, [this] { impl_->accepting->start(); });
  const auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(core.config.presence_interval_s * 1e9));
  if (core.config.role != server_role::auth && interval.count() > 0)
    for (auto& s : shards) net::co_spawn(s->io, impl::every(*s, interval, &shard::flush_presence), net::detached);
  const double idle_s = core.config.idle_timeout_s;
  const auto sweep_every = std::chrono::nanoseconds(static_cast<std::int64_t>(
      1e9 * (idle_s > 0 ? std::clamp(idle_s / 4, 0.05, 1.0) : 1.0)));
  if (core.config.role != server_role::auth)
    for (auto& s : shards) net::co_spawn(s->io, impl::every(*s, sweep_every, &shard::sweep_connections), net::detached);
  std::optional<net::signal_set> signals;
  if (handle_signals) {
    signals.emplace(first.io, SIGINT, SIGTERM);
    signals->async_wait([this](error_code ec, int) {
      if (!ec) stop();
    });
  }
  // Whoever waits for this file may signal at once: it comes after the handlers.
  if (!core.config.port_file.empty()) impl_->write_port_file();
  static constexpr const char* role_names[] = {"chat and auth", "auth API only", "chat only"};
  log_info("throng-server ({}) listening on ws://{}:{}/ws with {} shard(s){}, store {}{}, bus {}",
           role_names[static_cast<int>(core.config.role)], core.config.host, impl_->port, shards.size(),
           shards[0]->outbox.io_uring_in_use() ? " (writes through io_uring)" : "",
           store_description(core.config),
           core.memory_store ? "" : (core.config.ack_durable ? " (acks after commit)" : " (acks on receipt)"),
           without_password(core.config.bus));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards.size(); ++i) threads.emplace_back([&sh = *shards[i]] { sh.io.run(); });
  first.io.run();
  for (auto& t : threads) t.join();
  if (core.bus) core.bus->stop();
  core.store->close();  // commits whatever is still queued
  log_info("throng-server stopped");
}

}  // namespace throng::server
