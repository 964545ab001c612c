#pragma once
// Per shard: reads the HTTP request of each connection the listener hands
// over. A WebSocket upgrade goes straight to a session on this shard, with no
// coroutine, HTTP stream or timer in between; anything else (the API,
// /metrics, /healthz, an upgrade that is refused) goes to the HTTP server
// with the bytes read so far. Most requests arrive with the connection and
// are read at once; the others wait on the shard's epoll set, and the sweep
// drops those that never complete.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "throng/common/fd_poller.hpp"
#include "throng/common/net.hpp"

namespace throng::server {

class ws_outbox;

class request_reader {
 public:
  // Takes fd and starts the session when the request is an upgrade it accepts.
  using upgrade_handler = std::function<bool(int fd, const http_request& request)>;
  // Takes fd with the bytes read from it, to answer as HTTP.
  using http_handler = std::function<void(int fd, std::string bytes)>;

  explicit request_reader(ws_outbox& outbox) : outbox_(outbox) {}
  ~request_reader();
  void set_handlers(upgrade_handler upgrade, http_handler http) {
    upgrade_ = std::move(upgrade);
    http_ = std::move(http);
  }

  // A connection just accepted (non-blocking, owned from here on).
  void take(int fd);
  // Drops requests that did not arrive within request_timeout_ns.
  void sweep(std::int64_t now_ns);
  void close_all();

  static constexpr std::int64_t request_timeout_ns = 30'000'000'000;
  static constexpr std::size_t max_header_bytes = 8 * 1024;  // Beast's limit for the header of a request

 private:
  struct pending : fd_watcher {
    pending(request_reader& r, int f, std::int64_t t) : reader(r), fd(f), since_ns(t) {}
    void on_ready(std::uint32_t) override { reader.read_more(*this); }
    request_reader& reader;
    int fd;
    std::int64_t since_ns;
    std::string bytes;
  };

  // Appends what fd has to `bytes`: false at the end of the stream or an error.
  bool read_available(int fd, std::string& bytes);
  void read_more(pending& p);
  // The header block is complete: hand the connection on.
  void dispatch(int fd, std::string bytes);
  static bool header_complete(const std::string& bytes);
  void drop(int fd);

  ws_outbox& outbox_;
  upgrade_handler upgrade_;
  http_handler http_;
  std::unordered_map<int, std::unique_ptr<pending>> pending_;
};

}  // namespace throng::server
