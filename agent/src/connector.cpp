#include "connector.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

#include "socket_wait.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/log.hpp"

namespace throng::agent {

const char* connect_failure_code(connect_failure f) {
  switch (f) {
    case connect_failure::refused: return "CONNECT_REFUSED";
    case connect_failure::timeout: return "CONNECT_TIMEOUT";
    case connect_failure::handshake: return "HANDSHAKE_FAILED";
    case connect_failure::auth: return "AUTH_FAILED";
    case connect_failure::address: return "SOURCE_ADDRESS";
    default: return "OK";
  }
}

namespace {
struct port_range {
  unsigned first = 32'768, last = 60'999;  // Linux's default
  unsigned count() const { return last - first + 1; }
};

// The kernel's ephemeral port range, per source address and target.
const port_range& local_ports() {
  static const port_range ports = [] {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    port_range r;
    if (!(in >> r.first >> r.last) || r.last < r.first || r.last > 65'535) r = port_range{};
    return r;
  }();
  return ports;
}

// connect() searches the even half of the ephemeral range first for a port
// still free towards the target (leaving the odd half to bind()). Past half the
// range to one target, every connect scans that whole half before it tries
// the other: 30 times the cost here (650 us instead of 22 us in the kernel), and a
// host opening 100,000 connections goes into a storm of timed-out attempts. A
// socket with its own port range (IP_LOCAL_PORT_RANGE, Linux 6.3) is searched
// in one pass over both halves. An older kernel refuses the option and
// connects keep the default search: said once, with the remedy.
void search_whole_port_range(int fd) {
  constexpr int ip_local_port_range = 51;  // IP_LOCAL_PORT_RANGE of linux/in.h, which glibc 2.36 lacks
  const std::uint32_t range = (local_ports().last << 16) | local_ports().first;
  static std::atomic<bool> told{false};
  if (::setsockopt(fd, IPPROTO_IP, ip_local_port_range, &range, sizeof range) != 0 && !told.exchange(true))
    log_warn("this kernel cannot search the whole local port range per socket (IP_LOCAL_PORT_RANGE, Linux 6.3): "
             "past {} connections to one target from one source address each connect gets much slower; "
             "--source-ips spreads them over more addresses", local_ports().count() / 2);
}

connect_failure classify(int err) {
  if (err == ETIMEDOUT) return connect_failure::timeout;
  if (err == EADDRINUSE || err == EADDRNOTAVAIL) return connect_failure::address;
  return connect_failure::refused;
}
}  // namespace

// A non-blocking socket of our own, connected and upgraded on the worker's
// epoll set (socket_wait.hpp). Not through Asio: its reactor keeps a record
// per socket it ever held at once, allocated in the middle of a connect
// storm's short-lived memory, and those records pin that memory for the rest
// of the run.
net::awaitable<connect_result> open_websocket(const target& to, const std::optional<net::ip::address>& source,
                                              std::int64_t timeout_ns, ws_client_buffers& buffers) {
  connect_result result;
  const std::int64_t deadline = mono_ns() + timeout_ns;
  const auto fail = [&](connect_failure cause, std::string detail, int fd) {
    if (fd >= 0) drop_attempt(buffers.poller, fd);
    result.failure = cause;
    result.detail = std::move(detail);
    return result;
  };
  const int fd = ::socket(to.endpoint.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) co_return fail(classify(errno), std::string("cannot open a socket: ") + std::strerror(errno), -1);
  search_whole_port_range(fd);
  if (source) {
    // Let connect() pick the port per destination, so each source address
    // offers a full port range to every target.
    int one = 1;
    const tcp::endpoint local(*source, 0);
    if (::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) != 0 ||
        ::bind(fd, local.data(), static_cast<socklen_t>(local.size())) != 0)
      co_return fail(connect_failure::address, "cannot bind source address " + source->to_string() + ": " + std::strerror(errno), fd);
  }
  int err = ::connect(fd, to.endpoint.data(), static_cast<socklen_t>(to.endpoint.size())) == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    socket_wait wait(buffers.poller, buffers.io, fd);
    if (!wait.ok()) co_return fail(connect_failure::refused, std::string("cannot watch the socket: ") + std::strerror(errno), fd);
    std::uint32_t events = 0;
    while (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
      if (!(events = co_await wait.next(deadline))) break;
    socklen_t len = sizeof err;
    if (!events) err = ETIMEDOUT;
    else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  }
  if (err) {
    std::string detail = "connect to " + to.url.str() + (source ? " from " + source->to_string() : "") +
                         " failed: " + (err == ETIMEDOUT ? std::string("timed out") : std::strerror(err));
    const auto cause = classify(err);
    if (cause == connect_failure::address)
      detail += " (this host is out of local ports towards that target: net.ipv4.ip_local_port_range allows about " +
                std::to_string(local_ports().count()) +
                " connections per source address; spread them with --source-ips, e.g. 127.0.0.2-127.0.0.60)";
    co_return fail(cause, std::move(detail), fd);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string error;
  result.ws = co_await ws_client::handshake(fd, buffers, to.url.host + ":" + std::to_string(to.url.port), to.url.path,
                                            std::max(deadline, mono_ns() + 1'000'000), error);
  if (!result.ws) {
    result.failure = error == ws_client::handshake_timed_out ? connect_failure::timeout : connect_failure::handshake;
    result.detail = "WebSocket handshake with " + to.url.str() + " failed: " + error;
  }
  co_return result;
}

std::int64_t connect_pacer::reserve(std::int64_t now) {
  if (interval_ns_ <= 0) return now;
  const std::int64_t at = std::max(now, next_ns_);
  next_ns_ = at + interval_ns_;
  return at;
}

std::optional<std::vector<net::ip::address>> parse_source_ips(const std::vector<std::string>& specs, std::string& error) {
  std::vector<net::ip::address> out;
  for (const auto& spec : specs) {
    std::stringstream parts(spec);
    std::string item;
    while (std::getline(parts, item, ',')) {
      if (item.empty()) continue;
      const auto dash = item.find('-');
      error_code ec1, ec2;
      const auto first = net::ip::make_address(item.substr(0, dash), ec1);
      if (ec1) {
        error = "'" + item + "' is not an address or a range like 127.0.0.2-127.0.0.60";
        return std::nullopt;
      }
      if (dash == std::string::npos) {
        out.push_back(first);
        continue;
      }
      const auto last = net::ip::make_address(item.substr(dash + 1), ec2);
      if (ec2 || !first.is_v4() || !last.is_v4() || last.to_v4().to_uint() < first.to_v4().to_uint() ||
          last.to_v4().to_uint() - first.to_v4().to_uint() > 65535) {
        error = "'" + item + "' is not an IPv4 range like 127.0.0.2-127.0.0.60 (first <= last, at most 65536 addresses)";
        return std::nullopt;
      }
      for (auto a = first.to_v4().to_uint(); a <= last.to_v4().to_uint(); ++a) out.push_back(net::ip::address_v4(a));
    }
  }
  return out;
}

namespace {
// One JSON POST on an open stream; returns the status and fills `body`.
net::awaitable<unsigned> post_json(beast::tcp_stream& stream, const std::string& host, const std::string& target,
                                   const std::string& json, std::string& body, error_code& ec) {
  http_request req{http::verb::post, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "throng-agent");
  req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = json;
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(stream, req, use_nothrow);
  if (wec) {
    ec = wec;
    co_return 0;
  }
  beast::flat_buffer buffer;
  http_response res;
  auto [rec, rn] = co_await http::async_read(stream, buffer, res, use_nothrow);
  if (rec) {
    ec = rec;
    co_return 0;
  }
  body = std::move(res.body());
  co_return res.result_int();
}

std::string token_of(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("token") && json["token"].is_string()) return json["token"].get<std::string>();
  return {};
}
}  // namespace

net::awaitable<std::string> register_and_login(const net::any_io_executor& executor, const ws_url& api,
                                               const tcp::endpoint& endpoint, const std::string& user,
                                               const std::string& password, std::int64_t timeout_ns,
                                               std::string& error) {
  beast::tcp_stream stream(executor);
  stream.expires_after(std::chrono::nanoseconds(timeout_ns));
  auto [cec] = co_await stream.async_connect(endpoint, use_nothrow);
  if (cec) {
    error = "cannot reach the auth API at " + api.host + ":" + std::to_string(api.port) + ": " + cec.message();
    co_return std::string{};
  }
  const std::string host = api.host + ":" + std::to_string(api.port);
  const std::string credentials = nlohmann::json{{"user", user}, {"password", password}}.dump();
  std::string body;
  error_code ec;
  unsigned status = co_await post_json(stream, host, "/api/register", credentials, body, ec);
  if (status == 409) status = co_await post_json(stream, host, "/api/login", credentials, body, ec);  // taken: log in
  if (ec) {
    error = "auth API request failed: " + ec.message();
    co_return std::string{};
  }
  if (status != 200 && status != 201) {
    error = "auth API answered HTTP " + std::to_string(status) + ": " + body;
    co_return std::string{};
  }
  auto token = token_of(body);
  if (token.empty()) error = "auth API reply has no token: " + body;
  co_return token;
}

}  // namespace throng::agent
