// The agent's own WebSocket client against Beast's server on loopback:
// handshake, masking, fragmented and large messages, ping/pong, close, and a
// server that breaks the protocol.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <fmt/format.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "connector.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/receive_stamps.hpp"
#include "../support/receive_stamps_on.hpp"
#include "ws_client.hpp"

namespace throng::agent {
namespace {

// The agent's own way in: the connect, then the upgrade on the worker's epoll set.
net::awaitable<std::shared_ptr<ws_client>> open(ws_client_buffers& buffers, std::uint16_t port, std::string& error,
                                                std::int64_t timeout_ns = 2'000'000'000) {
  const target to{*parse_ws_url("ws://127.0.0.1:" + std::to_string(port) + "/ws"),
                  tcp::endpoint(net::ip::make_address("127.0.0.1"), port)};
  auto opened = co_await open_websocket(to, std::nullopt, timeout_ns, buffers);
  error = opened.detail;
  co_return opened.ws;
}

struct received {
  std::vector<std::string> messages;
  std::vector<bool> text;
  bool closed = false;
};

// Records what a connection tells its user; answers a "hello" with "second"
// from inside the event, as virtual users do.
struct recorder : ws_client_events {
  received& got;
  std::shared_ptr<ws_client> client;
  std::function<void()> after_close;
  std::function<void()> after_message;
  explicit recorder(received& g) : got(g) {}
  void on_message(std::string_view payload, bool text) override {
    got.messages.emplace_back(payload);
    got.text.push_back(text);
    if (payload == "hello") client->send("second", true);
    if (after_message) after_message();
  }
  void on_closed() override {
    got.closed = true;
    if (after_close) after_close();
  }
};

// Runs `serve` on an accepted WebSocket and a client that sends "hello",
// answers a "hello" from the server with "second", and reads until the end;
// returns what the client got.
template <class Serve>
received exchange(Serve serve, bool& handshake_ok, std::string* error_out = nullptr,
                  std::function<void(recorder&)> setup = {}) {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  bool served = false;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    auto socket = co_await acceptor.async_accept(net::use_awaitable);
    websocket::stream<beast::tcp_stream> ws(std::move(socket));
    co_await ws.async_accept(net::use_awaitable);
    co_await serve(ws);
    served = true;
  }, net::detached);

  received got;
  recorder events(got);
  if (setup) setup(events);
  ws_client_buffers buffers(io);
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    std::string error;
    auto client = co_await open(buffers, port, error);
    handshake_ok = client != nullptr;
    if (error_out) *error_out = error;
    if (!client) co_return;
    events.client = client;
    client->start(&events);
    client->send("hello", true);
  }, net::detached);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(got.closed && served) && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(5));
  }
  return got;
}

TEST(WsClient, EchoFragmentsPingAndClose) {
  bool pong_seen = false;
  bool ok = false;
  const std::string big(200'000, 'b');
  const auto got = exchange(
      [&](websocket::stream<beast::tcp_stream>& ws) -> net::awaitable<void> {
        ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
          if (kind == websocket::frame_type::pong) pong_seen = true;
        });
        beast::flat_buffer buffer;
        co_await ws.async_read(buffer, net::use_awaitable);  // the client's masked "hello"
        co_await ws.async_ping({}, net::use_awaitable);
        ws.text(true);
        ws.auto_fragment(true);
        ws.write_buffer_bytes(8);  // "hello" again, in fragments of a few bytes
        co_await ws.async_write(buffer.data(), net::use_awaitable);
        buffer.clear();
        co_await ws.async_read(buffer, net::use_awaitable);  // the pong passes first, then "second"
        EXPECT_EQ(beast::buffers_to_string(buffer.data()), "second");
        ws.binary(true);
        ws.write_buffer_bytes(4096);
        co_await ws.async_write(net::buffer(big), net::use_awaitable);
        ws.auto_fragment(false);
        co_await ws.async_write(net::buffer(std::string_view("")), net::use_awaitable);  // an empty message
        co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
      },
      ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(got.messages.size(), 3u);
  EXPECT_EQ(got.messages[0], "hello");
  EXPECT_TRUE(got.text[0]);
  EXPECT_EQ(got.messages[1], big);
  EXPECT_FALSE(got.text[1]);
  EXPECT_EQ(got.messages[2], "");
  EXPECT_TRUE(pong_seen);
  EXPECT_TRUE(got.closed) << "the server's close ends the connection";
}

TEST(WsClient, ManySmallMessagesInOneReadAreAllDelivered) {
  bool ok = false;
  const auto got = exchange(
      [](websocket::stream<beast::tcp_stream>& ws) -> net::awaitable<void> {
        beast::flat_buffer buffer;
        co_await ws.async_read(buffer, net::use_awaitable);
        ws.binary(true);
        for (int i = 0; i < 5000; ++i) {
          const std::string m = "m" + std::to_string(i);
          co_await ws.async_write(net::buffer(m), net::use_awaitable);
        }
        co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
      },
      ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(got.messages.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(got.messages[static_cast<std::size_t>(i)], "m" + std::to_string(i));
}

// An agent holds tens of thousands of idle connections: after a big
// fragmented message and a send, an idle one keeps no buffer.
TEST(WsClient, AnIdleConnectionHoldsNoBuffers) {
  bool ok = false;
  std::vector<std::size_t> held;  // buffer bytes after each message, once released
  const std::string big(100'000, 'f');
  const auto got = exchange(
      [&](websocket::stream<beast::tcp_stream>& ws) -> net::awaitable<void> {
        beast::flat_buffer buffer;
        co_await ws.async_read(buffer, net::use_awaitable);
        ws.auto_fragment(true);
        ws.write_buffer_bytes(4096);
        co_await ws.async_write(net::buffer(big), net::use_awaitable);
        buffer.clear();
        co_await ws.async_read(buffer, net::use_awaitable);  // the client's answer, written after the big one
        co_await ws.async_write(net::buffer(std::string_view("idle now")), net::use_awaitable);
        co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
      },
      ok, nullptr, [&](recorder& events) {
        events.after_message = [&] {
          if (events.got.messages.back() == big) {
            events.client->send(std::string(2'000, 'a'), false);  // a frame bigger than a short string
            return;
          }
          events.client->release_buffers();
          held.push_back(events.client->buffer_bytes());
        };
      });
  ASSERT_TRUE(ok);
  ASSERT_EQ(got.messages.size(), 2u);
  EXPECT_EQ(got.messages[0], big);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0], 0u) << "the fragments' and the send's buffers are given back";
}

// connect() normally searches only one parity of the ephemeral range first,
// so past half the range to one target each connect scans that whole half (a
// host of 100,000 users went into connect storms). The agent's sockets are
// searched over the whole range in one pass: their ports take both parities.
TEST(WsClient, ConnectsSearchTheWholeEphemeralPortRange) {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  constexpr std::size_t count = 24;
  std::vector<unsigned short> source_ports;
  std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> accepted;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    while (source_ports.size() < count) {
      auto socket = co_await acceptor.async_accept(net::use_awaitable);
      source_ports.push_back(socket.remote_endpoint().port());
      auto& ws = *accepted.emplace_back(std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(socket)));
      net::co_spawn(io, ws.async_accept(net::use_awaitable), net::detached);
    }
  }, net::detached);
  ws_client_buffers buffers(io);
  std::vector<std::shared_ptr<ws_client>> clients;
  std::string error;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    while (clients.size() < count) {
      auto client = co_await open(buffers, port, error);
      if (!client) co_return;
      clients.push_back(std::move(client));
    }
  }, net::detached);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (clients.size() < count && error.empty() && std::chrono::steady_clock::now() < deadline)
    io.run_for(std::chrono::milliseconds(5));
  ASSERT_EQ(clients.size(), count) << error;
  const auto odd = std::count_if(source_ports.begin(), source_ports.end(), [](unsigned short p) { return p % 2; });
  EXPECT_GT(odd, 0) << "every port was even: the kernel searched one half of the range";
  EXPECT_LT(odd, static_cast<long>(count)) << "every port was odd: the kernel searched one half of the range";
}

// The agent's own part of a latency starts when the kernel had the message,
// not when the agent got round to reading it: a message read 30 ms late
// carries its arrival. Of two messages in one read only the last is known to
// have come with the read's last segment; the first says it is not known.
TEST(WsClient, AMessageReadLateCarriesWhenTheKernelHadIt) {
  const receive_stamps_on stamps_on;
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  std::int64_t written_at = 0;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    auto socket = co_await acceptor.async_accept(net::use_awaitable);
    websocket::stream<beast::tcp_stream> ws(std::move(socket));
    co_await ws.async_accept(net::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, net::use_awaitable);  // the client is started
    const std::string two_frames = "\x81\x03one\x81\x03two";  // unmasked text frames, one write
    written_at = wall_ns();
    co_await net::async_write(ws.next_layer(), net::buffer(two_frames), net::use_awaitable);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // the loop, the client's too, is busy
  }, net::detached);
  ws_client_buffers buffers(io);
  struct stamps : ws_client_events {
    ws_client_buffers* buffers = nullptr;
    std::vector<std::pair<std::int64_t, std::int64_t>> got;  // (arrival, handled), wall_ns
    void on_message(std::string_view, bool) override { got.emplace_back(buffers->message_arrival_ns, wall_ns()); }
    void on_closed() override {}
  } events;
  events.buffers = &buffers;
  std::shared_ptr<ws_client> client;
  std::string error;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    client = co_await open(buffers, port, error);
    if (!client) co_return;
    client->start(&events);
    client->send("started", true);
  }, net::detached);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (events.got.size() < 2 && error.empty() && std::chrono::steady_clock::now() < deadline)
    io.run_for(std::chrono::milliseconds(5));
  ASSERT_EQ(events.got.size(), 2u) << error;
  EXPECT_EQ(events.got[0].first, 0) << "the first message of a read: when it came is not known";
  const auto [arrival, handled] = events.got[1];
  EXPECT_GE(handled - written_at, 30'000'000) << "the client read after the server's 30 ms";
  EXPECT_GE(arrival, written_at);
  EXPECT_LT(arrival - written_at, 10'000'000) << "the kernel had it at once, 30 ms before it was read";
  client->abort();
}

TEST(WsClient, AServerThatMasksBreaksTheConnection) {
  bool ok = false;
  const auto got = exchange(
      [](websocket::stream<beast::tcp_stream>& ws) -> net::awaitable<void> {
        beast::flat_buffer buffer;
        co_await ws.async_read(buffer, net::use_awaitable);
        // A raw frame with the mask bit set: only clients may mask.
        const unsigned char frame[] = {0x82, 0x81, 1, 2, 3, 4, 'x' ^ 1};
        co_await net::async_write(beast::get_lowest_layer(ws), net::buffer(frame), net::use_awaitable);
        net::steady_timer wait(co_await net::this_coro::executor, std::chrono::milliseconds(200));
        co_await wait.async_wait(net::use_awaitable);
      },
      ok);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(got.messages.empty());
  EXPECT_TRUE(got.closed) << "a protocol violation ends the connection";
}

TEST(WsClient, ANonWebSocketAnswerIsAClearHandshakeError) {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    auto socket = co_await acceptor.async_accept(net::use_awaitable);
    char request[4096];
    co_await socket.async_read_some(net::buffer(request), net::use_awaitable);
    const std::string reply = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    co_await net::async_write(socket, net::buffer(reply), net::use_awaitable);
  }, net::detached);
  std::string error = "unset";
  bool returned_null = false;
  ws_client_buffers buffers(io);
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    auto client = co_await open(buffers, port, error);
    returned_null = client == nullptr;
    io.stop();  // the worker's epoll set keeps the loop waiting
  }, net::detached);
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(returned_null);
  EXPECT_NE(error.find("404"), std::string::npos) << error;
}

TEST(WsClient, NobodyListeningIsRefusedAndASilentServerTimesOut) {
  net::io_context io;
  ws_client_buffers buffers(io);
  // A port with no listener: the connect is refused.
  std::uint16_t closed_port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  // A listener that never accepts: TCP connects (the kernel's backlog), the upgrade is never answered.
  tcp::acceptor silent(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto silent_port = silent.local_endpoint().port();
  connect_result refused, timed_out;
  std::int64_t waited_ns = 0;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    const auto to = [](std::uint16_t port) {
      return target{*parse_ws_url("ws://127.0.0.1:" + std::to_string(port) + "/ws"),
                    tcp::endpoint(net::ip::make_address("127.0.0.1"), port)};
    };
    refused = co_await open_websocket(to(closed_port), std::nullopt, 2'000'000'000, buffers);
    const std::int64_t t0 = mono_ns();
    timed_out = co_await open_websocket(to(silent_port), std::nullopt, 300'000'000, buffers);
    waited_ns = mono_ns() - t0;
    io.stop();
  }, net::detached);
  io.run_for(std::chrono::seconds(5));
  EXPECT_FALSE(refused.ws);
  EXPECT_EQ(refused.failure, connect_failure::refused) << refused.detail;
  EXPECT_NE(refused.detail.find("Connection refused"), std::string::npos) << refused.detail;
  EXPECT_FALSE(timed_out.ws);
  EXPECT_EQ(timed_out.failure, connect_failure::timeout) << timed_out.detail;
  EXPECT_GE(waited_ns, 290'000'000) << "gave up before the connect timeout";
  EXPECT_LT(waited_ns, 2'000'000'000) << "waited past the connect timeout";
}

}  // namespace


// Sends queued in one loop turn are corked and written when it ends: in one
// io_uring submission, or with one call per connection without io_uring.
// Far more than the socket buffers take, so the rest waits for writability.
class WsClientCorking : public ::testing::TestWithParam<bool> {};

TEST_P(WsClientCorking, ABurstOfOneTurnArrivesWholeAndInOrder) {
  const bool io_uring = GetParam();
  constexpr int connections = 3, per_connection = 120;
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  std::vector<std::vector<std::string>> got(connections);
  int finished = 0;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    for (int c = 0; c < connections; ++c) {
      auto socket = co_await acceptor.async_accept(net::use_awaitable);
      net::co_spawn(io, [&, c, socket = std::move(socket)]() mutable -> net::awaitable<void> {
        websocket::stream<beast::tcp_stream> ws(std::move(socket));
        ws.read_message_max(1 << 20);
        co_await ws.async_accept(net::use_awaitable);
        // Read nothing for a while: the client's kernel buffers fill and it must queue.
        net::steady_timer pause(io, std::chrono::milliseconds(100));
        co_await pause.async_wait(net::use_awaitable);
        for (int i = 0; i < per_connection; ++i) {
          beast::flat_buffer buffer;
          co_await ws.async_read(buffer, net::use_awaitable);
          got[static_cast<std::size_t>(c)].push_back(beast::buffers_to_string(buffer.data()));
        }
        ++finished;
      }, net::detached);
    }
  }, net::detached);

  ws_client_buffers buffers(io);
  if (!io_uring) buffers.disable_io_uring();
  received ignored;
  recorder events(ignored);
  std::vector<std::shared_ptr<ws_client>> clients;
  net::co_spawn(io, [&]() -> net::awaitable<void> {
    for (int c = 0; c < connections; ++c) {
      std::string error;
      auto client = co_await open(buffers, port, error);
      EXPECT_TRUE(client) << error;
      if (!client) co_return;
      client->start(&events);  // users start their connection before they send
      clients.push_back(client);
    }
    // One turn: every message of every connection, about 23 MB in all.
    for (int i = 0; i < per_connection; ++i)
      for (int c = 0; c < connections; ++c) {
        std::string body(64 * 1024, static_cast<char>('a' + (i + c) % 26));
        body.replace(0, 12, fmt::format("{:03}/{:08}", c, i));
        EXPECT_TRUE(clients[static_cast<std::size_t>(c)]->send(body, false));
      }
  }, net::detached);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (finished < connections && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(20));
  ASSERT_EQ(finished, connections);
  for (int c = 0; c < connections; ++c)
    for (int i = 0; i < per_connection; ++i) {
      const auto& m = got[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)];
      ASSERT_EQ(m.substr(0, 12), fmt::format("{:03}/{:08}", c, i));
      ASSERT_EQ(m.size(), 64u * 1024);
      ASSERT_EQ(m.back(), static_cast<char>('a' + (i + c) % 26));
    }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutIoUring, WsClientCorking, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "io_uring" : "one_call_each"; });

}  // namespace throng::agent
