#include "throng/common/http_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

#include "throng/common/log.hpp"

namespace throng {

namespace {
http_response make_text_response(unsigned version, bool keep_alive, http::status status, std::string body,
                                 std::string content_type) {
  http_response res{status, version};
  res.set(http::field::server, "throng");
  res.set(http::field::content_type, content_type);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}
}  // namespace

http_response text_response(const http_request& req, http::status status, std::string body, std::string content_type) {
  return make_text_response(req.version(), req.keep_alive(), status, std::move(body), std::move(content_type));
}

http_response metrics_response(const http_request& req, std::string exposition) {
  return text_response(req, http::status::ok, std::move(exposition),
                       "text/plain; version=0.0.4; charset=utf-8");
}

std::shared_ptr<const http_handlers> metrics_only(std::function<std::string()> text) {
  auto handlers = std::make_shared<http_handlers>();
  handlers->on_request = [text = std::move(text)](const http_request& req) {
    if (req.target() == "/metrics") return metrics_response(req, text());
    return text_response(req, http::status::not_found, "metrics are at /metrics\n");
  };
  return handlers;
}

namespace {
constexpr std::size_t max_body_bytes = 1024 * 1024;

// The answer to a request the parser refused, or nothing for a peer that
// closed or went quiet: a client that sent too much or sent garbage is told so.
std::optional<http_response> refusal(const error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_method).category() ||
      ec == http::error::end_of_stream || ec == http::error::partial_message)
    return std::nullopt;
  auto [status, text] =
      ec == http::error::body_limit     ? std::pair{http::status::payload_too_large, std::string("the request body is larger than 1 MiB")}
      : ec == http::error::header_limit ? std::pair{http::status::request_header_fields_too_large, std::string("the request header is too large")}
                                        : std::pair{http::status::bad_request, "malformed HTTP request: " + ec.message()};
  return make_text_response(11, false, status, text + "\n", "text/plain; charset=utf-8");
}

// After a refusal: says so, then reads what the client still sends for a
// moment, so closing with unread bytes does not reset the answer away.
net::awaitable<void> refuse(beast::tcp_stream& stream, http_response res) {
  stream.expires_after(std::chrono::seconds(2));
  auto [wec, wn] = co_await http::async_write(stream, res, use_nothrow);
  if (wec) co_return;
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  std::array<char, 16 * 1024> sink;
  for (std::size_t drained = 0; drained < 4 * max_body_bytes;) {
    auto [rec, got] = co_await stream.async_read_some(net::buffer(sink), use_nothrow);
    if (rec) break;
    drained += got;
  }
}
}  // namespace

net::awaitable<void> serve_http_connection(beast::tcp_stream stream, std::shared_ptr<const http_handlers> handlers,
                                           std::string already_read) {
  beast::flat_buffer buffer;
  buffer.commit(net::buffer_copy(buffer.prepare(already_read.size()), net::buffer(already_read)));
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(max_body_bytes);
    stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (ec) {
      if (auto res = refusal(ec)) co_await refuse(stream, std::move(*res));
      co_return;
    }
    http_request req = parser.release();

    if (websocket::is_upgrade(req)) {
      if (handlers->on_upgrade && (!handlers->accepts_upgrade || handlers->accepts_upgrade(req))) {
        stream.expires_never();
        co_await handlers->on_upgrade(std::move(stream), std::move(req));
        co_return;
      }
      auto res = text_response(req, http::status::not_found, "no WebSocket endpoint at this path\n");
      res.keep_alive(false);
      co_await http::async_write(stream, res, use_nothrow);
      co_return;
    }

    http_response res;
    if (handlers->on_request_async) {
      error_code peer_ec;
      const auto peer = stream.socket().remote_endpoint(peer_ec);
      auto answer = handlers->on_request_async(std::move(req), peer);
      res = co_await std::move(answer);
    } else {
      res = handlers->on_request ? handlers->on_request(req)
                                 : text_response(req, http::status::not_found, "not found\n");
    }
    const bool keep_alive = res.keep_alive();
    auto [wec, wn] = co_await http::async_write(stream, res, use_nothrow);
    if (wec || !keep_alive) {
      error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<const http_handlers> handlers) {
  // Not a coroutine on purpose: GCC 12 destroys temporaries created inside a
  // co_await expression twice, so the std::function is built out here.
  auto executor = acceptor.get_executor();
  std::function<accept_target()> next = [executor, handlers] { return accept_target{executor, handlers}; };
  return accept_loop(acceptor, std::move(next));
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::function<accept_target()> next_target) {
  for (;;) {
    const accept_target target = next_target();
    auto [ec, socket] = co_await acceptor.async_accept(target.executor, use_nothrow);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off instead of spinning.
      log_warn("accept failed: {}", ec.message());
      net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    net::co_spawn(target.executor, serve_http_connection(beast::tcp_stream(std::move(socket)), target.handlers),
                  log_exceptions{"http connection"});
  }
}

void open_acceptor(tcp::acceptor& acceptor, const std::string& host, unsigned short port) {
  error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) throw std::system_error(ec, "listen address '" + host + "' is not an IP address");
  const tcp::endpoint endpoint{address, port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.set_option(tcp::no_delay(true));  // accepted sockets inherit it (Linux): one call, not one per connection
  acceptor.bind(endpoint, ec);
  if (ec) {
    // What the user can do differs by cause: a taken port, an address of another machine, a privileged port.
    const char* hint = ec == std::errc::address_not_available
                           ? " (no interface of this machine has that address: give one of its own, or 0.0.0.0 for all)"
                       : ec == std::errc::permission_denied
                           ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE: pick one from 1024 up)"
                           : " (is another process using it? pick another port, or 0 for any free one)";
    throw std::system_error(ec, "cannot listen on " + host + ":" + std::to_string(port) + hint);
  }
  // HTTP clients speak first: wake the loop for a connection once its request
  // has come (one readiness, and the accept finds the request already there),
  // not for the bare handshake. One that sends nothing is still accepted, after about 7 s.
  const int defer_s = 5;
  if (::setsockopt(acceptor.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof defer_s) != 0)
    log_warn("cannot defer accepts until requests arrive: {}", std::strerror(errno));
  acceptor.listen(net::socket_base::max_listen_connections);
}

}  // namespace throng
