#pragma once
// One pipelined connection to Redis on an io_context: commands are queued,
// written together, and their replies matched in order. It reconnects by
// itself with backoff; commands issued while it is down fail at once, and
// commands in flight when it drops fail with an error reply.
// All members: the io_context's thread only.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "resp.hpp"
#include "throng/common/net.hpp"

namespace throng::server {

class redis_connection : public std::enable_shared_from_this<redis_connection> {
 public:
  using reply_fn = std::function<void(resp::value&)>;  // the reply may be moved from

  // `name` appears in log lines ("bus", "bus reader").
  redis_connection(net::io_context& io, std::string host, unsigned short port, std::string name);

  // Starts connecting; `on_connected` runs after every (re)connect, before any queued command.
  void start(std::function<void()> on_connected);
  void stop();
  bool connected() const { return connected_; }

  // Queues a command; `done` gets its reply, or an error value if the connection is down or drops.
  void call(std::vector<std::string> args, reply_fn done);

 private:
  void do_connect();
  void on_connect(const error_code& ec);
  void do_read();
  void do_write();
  void fail(const std::string& why);
  void retry_later();

  net::io_context& io_;
  std::string host_;
  unsigned short port_;
  std::string name_;
  tcp::socket socket_;
  net::steady_timer backoff_timer_;
  std::function<void()> on_connected_;
  bool connected_ = false;
  bool stopped_ = false;
  bool writing_ = false;
  bool logged_down_ = false;
  unsigned generation_ = 0;  // handlers of an earlier connection see a newer one and do nothing
  std::chrono::milliseconds backoff_{50};
  std::string out_;        // commands not yet written
  std::string in_;         // bytes not yet parsed
  std::deque<reply_fn> waiting_;  // one per command written or queued, in order
};

}  // namespace throng::server
