#pragma once
// Opening a user's WebSocket: paced, bound to a source address when the
// agent spreads connections over several, and failures named by cause so a
// report can say refused / timeout / handshake / auth.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "throng/common/net.hpp"
#include "throng/common/url.hpp"
#include "ws_client.hpp"

namespace throng::agent {

struct target {
  ws_url url;
  tcp::endpoint endpoint;
};

// Why a connection attempt failed; the names are the report's error codes.
enum class connect_failure { none, refused, timeout, handshake, auth, address };
const char* connect_failure_code(connect_failure f);

struct connect_result {
  std::shared_ptr<ws_client> ws;
  connect_failure failure = connect_failure::none;
  std::string detail;
};

// TCP connect (from `source` when given, with IP_BIND_ADDRESS_NO_PORT so the
// port is chosen per destination) and the WebSocket handshake, together
// within `timeout_ns`, on the worker of `buffers`.
net::awaitable<connect_result> open_websocket(const target& to, const std::optional<net::ip::address>& source,
                                              std::int64_t timeout_ns, ws_client_buffers& buffers);

// Spaces connection attempts of one worker at `rate` per second.
class connect_pacer {
 public:
  void set_rate(double per_second) { interval_ns_ = per_second > 0 ? static_cast<std::int64_t>(1e9 / per_second) : 0; }
  // The instant this attempt may start (mono_ns); reserves it.
  std::int64_t reserve(std::int64_t now);

 private:
  std::int64_t interval_ns_ = 0;
  std::int64_t next_ns_ = 0;
};

// Parses "127.0.0.2-127.0.0.60", "10.0.0.5", or a comma-separated mix into
// addresses; empty optional with `error` set when malformed.
std::optional<std::vector<net::ip::address>> parse_source_ips(const std::vector<std::string>& specs, std::string& error);

// Registers `user` (or logs in when the name is taken) at the auth API and
// returns its token; empty with `error` set on failure.
net::awaitable<std::string> register_and_login(const net::any_io_executor& executor, const ws_url& api,
                                               const tcp::endpoint& endpoint, const std::string& user,
                                               const std::string& password, std::int64_t timeout_ns,
                                               std::string& error);

}  // namespace throng::agent
