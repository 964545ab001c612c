#pragma once
// One accept loop and one HTTP connection loop shared by every listener:
// plain requests get a response, WebSocket upgrades are handed over.
// Heavy (Beast): include from .cpp files only.

#include <functional>
#include <memory>
#include <string>

#include "throng/common/net.hpp"

namespace throng {

struct http_handlers {
  // Answers a plain request; unset means 404 for everything.
  std::function<http_response(const http_request&)> on_request;
  // When set, answers plain requests instead of on_request, and may suspend
  // (e.g. to hash a password on another thread). Gets the client's address.
  std::function<net::awaitable<http_response>(http_request, tcp::endpoint)> on_request_async;
  // Takes over an upgrade request; unset (or returning false from
  // accepts_upgrade) means the upgrade is refused with 404.
  std::function<bool(const http_request&)> accepts_upgrade;
  std::function<net::awaitable<void>(beast::tcp_stream, http_request)> on_upgrade;
};

// Serves one connection until it closes; keeps alive between requests.
// `already_read`: bytes of its first request(s) read from it before.
net::awaitable<void> serve_http_connection(beast::tcp_stream stream, std::shared_ptr<const http_handlers> handlers,
                                           std::string already_read = {});

// Where an accepted connection goes: the socket is created on `executor`
// (a shard's io_context) and served with that shard's handlers.
struct accept_target {
  net::any_io_executor executor;
  std::shared_ptr<const http_handlers> handlers;
};

// Accepts until the acceptor is closed, serving each connection on
// `next_target()` (e.g. round-robin over shards).
net::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::function<accept_target()> next_target);

// Single-threaded form: every connection on the acceptor's own executor.
net::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<const http_handlers> handlers);

// Opens a listening acceptor on host:port (port 0 picks a free one).
// Throws std::system_error with a clear message when the address is taken.
void open_acceptor(tcp::acceptor& acceptor, const std::string& host, unsigned short port);

http_response text_response(const http_request& req, http::status status, std::string body,
                            std::string content_type = "text/plain; charset=utf-8");

// A Prometheus text exposition (see metrics.hpp: prometheus_text).
http_response metrics_response(const http_request& req, std::string exposition);

// A listener that only serves /metrics, with the exposition from `text`
// (called on the listener's thread).
std::shared_ptr<const http_handlers> metrics_only(std::function<std::string()> text);

}  // namespace throng
