// How a new connection reaches its session: the listener's accept4 loop and
// the shard's request reader, over real loopback sockets.
#include "request_reader.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>

#include "listener.hpp"
#include "server_metrics.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/http_server.hpp"
#include "ws_outbox.hpp"

using namespace throng;
using namespace throng::server;

namespace {

const std::string upgrade_request =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// A request reader on a loop, with handlers that record what reached them.
struct reader_fixture {
  net::io_context io{1};
  shard_metrics metrics;
  ws_outbox outbox{io, metrics};
  request_reader reader{outbox};
  tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
  bool take_upgrades = true;
  std::optional<std::string> upgraded_target;
  std::optional<std::string> http_bytes;
  std::vector<int> taken;  // descriptors the handlers took, closed at the end

  reader_fixture() {
    reader.set_handlers(
        [this](int fd, const http_request& req) {
          if (!take_upgrades) return false;
          upgraded_target = std::string(req.target());
          taken.push_back(fd);
          return true;
        },
        [this](int fd, std::string bytes) {
          http_bytes = std::move(bytes);
          taken.push_back(fd);
        });
  }
  ~reader_fixture() {
    for (int fd : taken) ::close(fd);
  }

  // A client connected, its server side handed to the reader.
  tcp::socket connect() {
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    return client;
  }
  void hand_over() { reader.take(acceptor.accept().release()); }

  template <class Pred>
  bool pump_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.restart();
      io.run_for(std::chrono::milliseconds(2));
    }
    return true;
  }
};

}  // namespace

namespace {
// A listener on its own loop, and `n` clients connected to it before the loop
// runs, each having sent the start of a request (the listener defers accepts until then).
struct listener_fixture {
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::vector<int> accepted;
  std::vector<tcp::socket> clients;
  listener accepting{opened(acceptor), [this](int fd) { accepted.push_back(fd); }};

  static tcp::acceptor& opened(tcp::acceptor& a) {
    open_acceptor(a, "127.0.0.1", 0);
    return a;
  }

  explicit listener_fixture(std::size_t n, bool speak = true) {
    accepting.start();
    for (std::size_t i = 0; i < n; ++i) {
      clients.emplace_back(io).connect(acceptor.local_endpoint());
      if (speak) net::write(clients.back(), net::buffer(std::string_view("GET / HTTP/1.1\r\n")));
    }
  }
  ~listener_fixture() {
    for (int fd : accepted) ::close(fd);
  }
  // Runs the loop until `n` connections are accepted, or `limit` passed.
  void accept(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (accepted.size() < n && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(2));
  }
};
}  // namespace

TEST(Listener, AnAddressThatCannotBeListenedOnSaysWhatToDo) {
  const auto refusal = [](const std::string& host, unsigned short port) {
    net::io_context io{1};
    tcp::acceptor a{io};
    try {
      open_acceptor(a, host, port);
    } catch (const std::system_error& e) {
      return std::string(e.what());
    }
    return std::string("listening");
  };
  net::io_context io{1};
  tcp::acceptor taken{io};
  open_acceptor(taken, "127.0.0.1", 0);
  const auto port = taken.local_endpoint().port();
  EXPECT_NE(refusal("127.0.0.1", port).find("is another process using it? pick another port"), std::string::npos);
  // 192.0.2.0/24 is for documentation: no interface here has it.
  EXPECT_NE(refusal("192.0.2.7", 8080).find("no interface of this machine has that address"), std::string::npos)
      << refusal("192.0.2.7", 8080);
  EXPECT_NE(refusal("not-an-ip", 8080).find("is not an IP address"), std::string::npos);
}

TEST(Listener, AcceptedSocketsAreNonBlockingAndInheritNoDelay) {
  listener_fixture f(3);
  f.accept(3);
  ASSERT_EQ(f.accepted.size(), 3u);
  for (int fd : f.accepted) {
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    EXPECT_EQ(nodelay, 1) << "small frames must not wait for Nagle";
  }
}

TEST(Listener, AConnectionIsTakenWhenItsRequestStartsNotAtTheHandshake) {
  // The loop wakes once per connection, with the request already there to read.
  listener_fixture f(1, /*speak=*/false);
  f.accept(1, std::chrono::milliseconds(300));  // the client's connect completed long before
  EXPECT_TRUE(f.accepted.empty()) << "accepted before the client sent anything";
  net::write(f.clients.front(), net::buffer(std::string_view("GET / HTTP/1.1\r\n")));
  f.accept(1);
  EXPECT_EQ(f.accepted.size(), 1u);
}

TEST(Listener, ABacklogLongerThanOneTurnIsAllAcceptedWithoutNewArrivals) {
  // Every connection waits in the kernel's backlog before the loop runs:
  // one readiness edge for all of them, and no arrival after it.
  constexpr std::size_t backlog = 300;
  listener_fixture f(backlog);
  f.accept(backlog);
  EXPECT_EQ(f.accepted.size(), backlog) << "connections left in the backlog until someone else connects";
}

TEST(RequestReader, AnUpgradeThatArrivedWithTheConnectionGoesStraightToASession) {
  reader_fixture f;
  auto client = f.connect();
  net::write(client, net::buffer(upgrade_request));
  f.hand_over();
  ASSERT_TRUE(f.pump_until([&] { return f.upgraded_target.has_value(); }));
  EXPECT_EQ(*f.upgraded_target, "/ws");
  EXPECT_FALSE(f.http_bytes);
}

TEST(RequestReader, ARequestInPiecesIsReadAsItArrives) {
  reader_fixture f;
  auto client = f.connect();
  f.hand_over();  // nothing sent yet: it waits on the shard's epoll set
  net::write(client, net::buffer(upgrade_request.substr(0, 20)));
  f.io.run_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(f.upgraded_target) << "half a request is not one";
  net::write(client, net::buffer(upgrade_request.substr(20)));
  ASSERT_TRUE(f.pump_until([&] { return f.upgraded_target.has_value(); }));
  EXPECT_FALSE(f.http_bytes);
}

TEST(RequestReader, PlainRequestsAndRefusedUpgradesGoToTheHttpServerWithTheirBytes) {
  {
    reader_fixture f;
    auto client = f.connect();
    const std::string get = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    net::write(client, net::buffer(get));
    f.hand_over();
    ASSERT_TRUE(f.pump_until([&] { return f.http_bytes.has_value(); }));
    EXPECT_EQ(*f.http_bytes, get);
    EXPECT_FALSE(f.upgraded_target);
  }
  {
    reader_fixture f;
    f.take_upgrades = false;  // e.g. at the connection cap: the HTTP server answers 503
    auto client = f.connect();
    net::write(client, net::buffer(upgrade_request));
    f.hand_over();
    ASSERT_TRUE(f.pump_until([&] { return f.http_bytes.has_value(); }));
    EXPECT_EQ(*f.http_bytes, upgrade_request);
  }
}

TEST(RequestReader, BytesAfterTheRequestOrAnOversizedHeaderAreLeftToTheHttpServer) {
  {
    reader_fixture f;
    auto client = f.connect();
    const std::string pipelined = upgrade_request + "GET /healthz HTTP/1.1\r\n\r\n";
    net::write(client, net::buffer(pipelined));
    f.hand_over();
    ASSERT_TRUE(f.pump_until([&] { return f.http_bytes.has_value(); }));
    EXPECT_EQ(*f.http_bytes, pipelined) << "nothing read may be lost";
    EXPECT_FALSE(f.upgraded_target);
  }
  {
    reader_fixture f;
    auto client = f.connect();
    f.hand_over();
    const std::string huge = "GET /ws HTTP/1.1\r\nX-Filler: " + std::string(request_reader::max_header_bytes, 'a');
    net::write(client, net::buffer(huge));
    ASSERT_TRUE(f.pump_until([&] { return f.http_bytes.has_value(); }));
    EXPECT_GT(f.http_bytes->size(), request_reader::max_header_bytes);
    EXPECT_FALSE(f.upgraded_target);
  }
}

TEST(RequestReader, AConnectionThatNeverSendsItsRequestIsDroppedByTheSweep) {
  reader_fixture f;
  auto client = f.connect();
  f.hand_over();
  f.reader.sweep(mono_ns());
  client.non_blocking(true);
  char byte;
  error_code ec;
  client.read_some(net::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, net::error::would_block) << "still open before the timeout";
  f.reader.sweep(mono_ns() + request_reader::request_timeout_ns + 1);
  client.non_blocking(false);
  client.read_some(net::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, net::error::eof);
  EXPECT_FALSE(f.upgraded_target);
  EXPECT_FALSE(f.http_bytes);
}
