#include "throng/server/server.hpp"

#include <fstream>
#include <optional>
#include <system_error>

#include "session.hpp"
#include "shard.hpp"
#include "throng/common/http_server.hpp"
#include "throng/common/log.hpp"

namespace throng::server {

struct server::impl {
  server_core core;
  std::optional<tcp::acceptor> acceptor;  // on shard 0
  unsigned short port = 0;
  std::atomic<bool> stopping{false};

  explicit impl(server_config config) {
    core.config = std::move(config);
    unsigned n = core.config.threads ? core.config.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) core.shards.push_back(std::make_unique<shard>(core, i));
    // One listener; each accepted socket is created directly on the next shard's
    // io_context (round-robin) and stays there. No SO_REUSEPORT: a second server
    // started on the same port by mistake must fail, not silently share it.
    acceptor.emplace(core.shards[0]->io);
    open_acceptor(*acceptor, core.config.host, core.config.port);
    port = acceptor->local_endpoint().port();
    if (!core.config.port_file.empty()) write_port_file();
  }

  void write_port_file() const {
    const std::string tmp = core.config.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    if (std::rename(tmp.c_str(), core.config.port_file.c_str()) != 0)
      throw std::system_error(errno, std::generic_category(), "cannot write port file " + core.config.port_file);
  }

  std::shared_ptr<const http_handlers> handlers_for(shard& s) {
    auto h = std::make_shared<http_handlers>();
    h->on_request = [this](const http_request& req) {
      if (req.target() == "/metrics") return metrics_response(req, render_metrics(core.shards));
      if (req.target() == "/healthz") return text_response(req, http::status::ok, "ok\n");
      return text_response(req, http::status::not_found, "not found; the chat endpoint is the WebSocket /ws\n");
    };
    h->accepts_upgrade = [](const http_request& req) {
      const auto target = req.target();
      return target == "/ws" || target.starts_with("/ws?");
    };
    h->on_upgrade = [&s](beast::tcp_stream stream, http_request req) -> net::awaitable<void> {
      auto sess = std::make_shared<session>(s, s.next_session_id++);
      s.adopt(sess);
      co_await sess->run(std::move(stream), std::move(req));
      s.release(sess);  // on every ending, a failed handshake included
    };
    return h;
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
    log_info("shutting down: closing sessions (grace {:.1f}s)", core.config.shutdown_grace_s);
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
  auto& shards = impl_->core.shards;
  std::vector<std::shared_ptr<const http_handlers>> handlers;
  for (auto& s : shards) handlers.push_back(impl_->handlers_for(*s));
  // Connections are spread round-robin; the handler set follows the shard.
  auto next = std::make_shared<std::size_t>(0);
  shard& first = *shards[0];
  net::co_spawn(first.io,
                accept_loop(*impl_->acceptor, [&shards, handlers, next]() -> accept_target {
                  const std::size_t i = (*next)++ % shards.size();
                  return {shards[i]->io.get_executor(), handlers[i]};
                }),
                log_exceptions{"accept loop"});
  std::optional<net::signal_set> signals;
  if (handle_signals) {
    signals.emplace(shards[0]->io, SIGINT, SIGTERM);
    signals->async_wait([this](error_code ec, int) {
      if (!ec) stop();
    });
  }
  log_info("throng-server listening on ws://{}:{}/ws with {} shard(s)", impl_->core.config.host, impl_->port,
           shards.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards.size(); ++i) threads.emplace_back([&sh = *shards[i]] { sh.io.run(); });
  shards[0]->io.run();
  for (auto& t : threads) t.join();
  log_info("throng-server stopped");
}

}  // namespace throng::server
