// The server's own WebSocket connection over a real loopback socket, driven
// by a raw client that builds its frames by hand: handshake, fragments and
// control frames, protocol violations, limits, corked writes and closing.
#include "ws_connection.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "server_metrics.hpp"
#include "throng/common/chat_batch.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/ws_frame.hpp"
#include "../support/receive_stamps_on.hpp"

using namespace throng;
using namespace throng::server;

namespace {

struct recorder : ws_events {
  std::vector<std::pair<std::string, bool>> messages;
  std::vector<std::int64_t> arrivals;  // the connection's arrival_ns() at each message
  const ws_connection* connection = nullptr;
  std::optional<ws_end> ended;
  void on_message(std::string_view payload, bool text) override {
    messages.emplace_back(std::string(payload), text);
    if (connection) arrivals.push_back(connection->arrival_ns());
  }
  void on_end(ws_end why) override { ended = why; }
};

struct server_frame {
  std::uint8_t opcode;
  std::string payload;
};

http_request upgrade_request(std::string version = "13") {
  http_request req{http::verb::get, "/ws", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, version);
  return req;
}

// A ws_connection on one end of a loopback connection; the test is the client.
struct connection_pair {
  net::io_context io{1};
  shard_metrics metrics;
  ws_outbox outbox{io, metrics};
  recorder events;
  std::shared_ptr<ws_connection> connection;
  tcp::socket client{io};
  std::string received;  // bytes the client read, not yet parsed
  bool client_saw_eof = false;
  std::string handshake_response;

  explicit connection_pair(ws_limits limits = {}, std::string version = "13", bool* accepted = nullptr,
                           bool io_uring = false) {
    std::string why;
    if (io_uring) {
      EXPECT_TRUE(outbox.use_io_uring(why)) << why;
    }
    tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    client.non_blocking(true);
    connection = std::make_shared<ws_connection>(acceptor.accept().release(), outbox, limits);
    const bool ok = connection->accept(upgrade_request(version), &events);
    if (accepted) *accepted = ok;
    pump_until([&] { return received.find("\r\n\r\n") != std::string::npos || client_saw_eof; });
    const auto end = received.find("\r\n\r\n");
    handshake_response = received.substr(0, end == std::string::npos ? received.size() : end + 4);
    received.erase(0, handshake_response.size());
  }

  void read_available() {
    char buf[65536];
    for (;;) {
      error_code ec;
      const std::size_t n = client.read_some(net::buffer(buf), ec);
      if (ec == net::error::would_block) return;
      if (ec) {
        client_saw_eof = true;
        return;
      }
      received.append(buf, n);
    }
  }

  template <class Pred>
  bool pump_until(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (done()) return true;  // once per check: done() may consume what it found
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.restart();
      io.run_for(std::chrono::milliseconds(2));
      read_available();
    }
  }

  void client_write(const std::string& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      error_code ec;
      at += client.write_some(net::buffer(bytes.data() + at, bytes.size() - at), ec);
      if (ec == net::error::would_block) {
        io.restart();
        io.run_for(std::chrono::milliseconds(1));
      } else if (ec) {
        FAIL() << ec.message();
      }
    }
  }

  static std::string frame(std::uint8_t opcode, std::string payload, bool fin = true, bool masked = true) {
    const char mask[4] = {'\x0f', '\x1e', '\x2d', '\x3c'};
    char head[ws::max_header_size];
    std::size_t n = ws::write_header(head, opcode, payload.size(), masked ? mask : nullptr);
    if (!fin) head[0] = static_cast<char>(head[0] & 0x7F);
    if (masked) ws::apply_mask(payload.data(), payload.size(), mask);
    return std::string(head, n) + payload;
  }

  // The next complete frame the server sent, if one arrived within the timeout.
  std::optional<server_frame> next_frame() {
    std::optional<server_frame> out;
    pump_until([&] {
      ws::frame_header h;
      if (ws::parse_header(received, h) != ws::header_status::complete) return false;
      if (received.size() < h.size + h.length) return false;
      EXPECT_FALSE(h.masked) << "server frames are never masked";
      out = server_frame{h.opcode, received.substr(h.size, h.length)};
      received.erase(0, h.size + h.length);
      return true;
    });
    return out;
  }

  static std::uint16_t close_code(const server_frame& f) {
    return static_cast<std::uint16_t>((static_cast<std::uint8_t>(f.payload[0]) << 8) | static_cast<std::uint8_t>(f.payload[1]));
  }

  shared_payload payload(std::string s) { return make_payload(std::move(s)); }
};

}  // namespace

TEST(SharedPayload, AShardHoldsOneReferenceToBytesOtherShardsShareHoweverManyMembersQueueThem) {
  auto bytes = std::make_shared<const std::string>("fanned out");
  shared_payload local = shard_local(bytes);
  std::vector<shared_payload> queued(1000, local);  // what 1,000 members' queues hold
  EXPECT_EQ(bytes.use_count(), 2) << "one reference for the shard, not one per member";
  EXPECT_EQ(queued.front().get(), bytes.get()) << "the same bytes, not a copy";
  bytes.reset();  // the owner shard is done with the message
  local.reset();
  EXPECT_EQ(*queued.back(), "fanned out") << "the members' queues keep the bytes alive";
  queued.clear();
}

TEST(WsConnection, AnswersTheUpgradeWithTheAcceptKey) {
  connection_pair pair;
  EXPECT_EQ(pair.handshake_response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << pair.handshake_response;
  EXPECT_NE(pair.handshake_response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
}

TEST(WsConnection, RefusesAnUnsupportedVersionWith400) {
  bool accepted = true;
  connection_pair pair({}, "8", &accepted);
  EXPECT_FALSE(accepted);
  EXPECT_EQ(pair.handshake_response.rfind("HTTP/1.1 400", 0), 0u) << pair.handshake_response;
  EXPECT_NE(pair.handshake_response.find("Sec-WebSocket-Version: 13"), std::string::npos);
}

TEST(WsConnection, AFragmentedMessageArrivesWholeAndPingsBetweenFragmentsArePonged) {
  connection_pair pair;
  pair.client_write(connection_pair::frame(ws::op_text, "hel", false) + connection_pair::frame(ws::op_continuation, "lo ", false) +
                    connection_pair::frame(ws::op_ping, "are you there") +
                    connection_pair::frame(ws::op_continuation, "world"));
  ASSERT_TRUE(pair.pump_until([&] { return !pair.events.messages.empty(); }));
  ASSERT_EQ(pair.events.messages.size(), 1u);
  EXPECT_EQ(pair.events.messages[0].first, "hello world");
  EXPECT_TRUE(pair.events.messages[0].second);
  const auto pong = pair.next_frame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, ws::op_pong);
  EXPECT_EQ(pong->payload, "are you there");
}

TEST(WsConnection, AMessageSplitAcrossReadsIsReassembled) {
  connection_pair pair;
  const std::string body(100'000, 'b');
  const std::string wire = connection_pair::frame(ws::op_binary, body);
  pair.client_write(wire.substr(0, 5));  // not even a whole header
  pair.pump_until([] { return false; }, std::chrono::milliseconds(20));
  EXPECT_TRUE(pair.events.messages.empty());
  pair.client_write(wire.substr(5));
  ASSERT_TRUE(pair.pump_until([&] { return !pair.events.messages.empty(); }));
  EXPECT_EQ(pair.events.messages[0].first, body);
  EXPECT_FALSE(pair.events.messages[0].second);
}

// The latency the server adds starts when the kernel took the frame in: a
// frame that waited in the socket while the loop was busy counts the wait.
TEST(WsConnection, AFrameReadLateCarriesWhenTheKernelTookItIn) {
  const receive_stamps_on stamps_on;
  connection_pair pair;
  pair.events.connection = pair.connection.get();
  const std::int64_t written = mono_ns();
  pair.client_write(connection_pair::frame(ws::op_text, "late"));
  std::this_thread::sleep_for(std::chrono::milliseconds(40));  // the server's loop is busy elsewhere
  const std::int64_t loop_free = mono_ns();
  ASSERT_TRUE(pair.pump_until([&] { return !pair.events.messages.empty(); }));
  ASSERT_EQ(pair.events.arrivals.size(), 1u);
  const std::int64_t arrival = pair.events.arrivals[0];
  EXPECT_GE(arrival, written - 1'000'000) << "an arrival before the frame was written";
  EXPECT_LE(arrival, loop_free - 30'000'000) << "the wait in the socket was not counted: arrival "
                                               << (loop_free - arrival) / 1e6 << " ms before the loop was free";
}

TEST(WsConnection, AnUnmaskedClientFrameIsAProtocolError) {
  connection_pair pair;
  pair.client_write(connection_pair::frame(ws::op_binary, "plain", true, false));
  const auto close = pair.next_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, ws::op_close);
  EXPECT_EQ(connection_pair::close_code(*close), 1002);
  EXPECT_NE(close->payload.find("masked"), std::string::npos);
  EXPECT_TRUE(pair.events.messages.empty());
  pair.client.shutdown(tcp::socket::shutdown_send);
  ASSERT_TRUE(pair.pump_until([&] { return pair.events.ended.has_value(); }));
  EXPECT_EQ(*pair.events.ended, ws_end::protocol_error);
}

TEST(WsConnection, AnOversizedMessageClosesWith1009BeforeItArrivesWhole) {
  connection_pair pair(ws_limits{.max_queued_bytes = 1 << 20, .max_message_bytes = 1000});
  const std::string wire = connection_pair::frame(ws::op_binary, std::string(5000, 'x'));
  pair.client_write(wire.substr(0, 100));  // the header says enough
  const auto close = pair.next_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(connection_pair::close_code(*close), 1009);
  EXPECT_NE(close->payload.find("1000 bytes"), std::string::npos) << close->payload;
  pair.client_write(wire.substr(100));  // the rest is discarded, not parsed as frames
  pair.client.shutdown(tcp::socket::shutdown_send);
  ASSERT_TRUE(pair.pump_until([&] { return pair.events.ended.has_value(); }));
  EXPECT_EQ(*pair.events.ended, ws_end::too_big);
  EXPECT_TRUE(pair.events.messages.empty());
}

// The writes of a flush: one sendmsg per connection, or all of them in one io_uring submission.
class WsConnectionWrites : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(BothWays, WsConnectionWrites, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "io_uring" : "sendmsg"; });

TEST_P(WsConnectionWrites, FramesQueuedInOneTurnLeaveInOneWrite) {
  connection_pair pair({}, "13", nullptr, GetParam());
  const auto writes_before = pair.metrics.socket_writes.get();
  const auto calls_before = pair.metrics.write_calls.get();
  for (const char* body : {"one", "two", "three"}) EXPECT_TRUE(pair.connection->send(pair.payload(body), mono_ns()));
  for (const char* body : {"one", "two", "three"}) {
    const auto f = pair.next_frame();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->opcode, ws::op_binary);
    EXPECT_EQ(f->payload, body);
  }
  EXPECT_EQ(pair.metrics.socket_writes.get() - writes_before, 1u);
  EXPECT_EQ(pair.metrics.write_calls.get() - calls_before, 1u);
  EXPECT_EQ(pair.metrics.added.total(), 3u);  // one latency sample per delivery
}

// A fan-out to a big room is written a slice of connections per loop turn, so
// a read that arrives meanwhile is handled before the rest of the room is written.
TEST_P(WsConnectionWrites, ALargeFlushLetsTheLoopRunBetweenSlicesAndWritesEveryone) {
  net::io_context io{1};
  shard_metrics metrics;
  ws_outbox outbox{io, metrics};
  std::string why;
  if (GetParam()) {
    ASSERT_TRUE(outbox.use_io_uring(why)) << why;
  }
  tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  constexpr std::size_t room = 1000;  // more than one flush writes in its time
  std::vector<tcp::socket> clients;
  std::vector<std::shared_ptr<ws_connection>> members;
  recorder events;
  for (std::size_t i = 0; i < room; ++i) {
    clients.emplace_back(io).connect(acceptor.local_endpoint());
    members.push_back(std::make_shared<ws_connection>(acceptor.accept().release(), outbox, ws_limits{}));
    ASSERT_TRUE(members.back()->accept(upgrade_request(), &events));
  }
  const auto before = metrics.socket_writes.get();
  const auto message = make_payload("to everyone");
  for (auto& m : members) ASSERT_TRUE(m->send(message, mono_ns()));
  std::uint64_t written_when_the_read_ran = 0;
  net::post(io, [&] { written_when_the_read_ran = metrics.socket_writes.get() - before; });
  io.run_for(std::chrono::milliseconds(500));
  EXPECT_GT(written_when_the_read_ran, 0u);
  EXPECT_LT(written_when_the_read_ran, room) << "the whole room was written before the loop ran anything else";
  EXPECT_EQ(metrics.socket_writes.get() - before, room);
  for (auto& client : clients) {
    std::string got(1024, '\0');
    client.non_blocking(true);
    error_code ec;
    got.resize(client.read_some(net::buffer(got), ec));
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_NE(got.find("to everyone"), std::string::npos) << "each member gets the message after its 101";
  }
}

TEST_P(WsConnectionWrites, ABatchingClientGetsOneBatchMessageBuiltWithoutCopies) {
  connection_pair pair({}, "13", nullptr, GetParam());
  pair.connection->set_batching(true);
  std::vector<shared_payload> frames{pair.payload("alpha"), pair.payload(std::string(300, 'b')), pair.payload("gamma")};
  for (const auto& f : frames) EXPECT_TRUE(pair.connection->send(f));
  const auto f = pair.next_frame();
  ASSERT_TRUE(f);
  std::vector<std::shared_ptr<const std::string>> same_bytes;
  for (const auto& frame : frames) same_bytes.push_back(std::make_shared<const std::string>(*frame));
  std::string expected;
  encode_chat_batch(same_bytes, expected);
  EXPECT_EQ(f->opcode, ws::op_binary);
  EXPECT_EQ(f->payload, expected);
  // A single frame needs no batch.
  pair.connection->send(pair.payload("alone"));
  const auto single = pair.next_frame();
  ASSERT_TRUE(single);
  EXPECT_EQ(single->payload, "alone");
}

TEST_P(WsConnectionWrites, WhatTheKernelDoesNotTakeWaitsAndArrivesInOrder) {
  connection_pair pair(ws_limits{.max_queued_bytes = 64 << 20, .max_message_bytes = 1 << 20}, "13", nullptr, GetParam());
  // Far beyond the socket buffers while the client reads nothing.
  constexpr int count = 400;
  for (int i = 0; i < count; ++i) {
    std::string body(64 * 1024, static_cast<char>('a' + i % 26));
    body.replace(0, 8, fmt::format("{:08}", i));
    ASSERT_TRUE(pair.connection->send(pair.payload(std::move(body))));
  }
  pair.io.restart();
  pair.io.run_for(std::chrono::milliseconds(50));
  EXPECT_GT(pair.connection->queued_bytes(), 0u);  // the rest waits for the kernel
  for (int i = 0; i < count; ++i) {
    const auto f = pair.next_frame();
    ASSERT_TRUE(f) << i;
    ASSERT_EQ(f->payload.substr(0, 8), fmt::format("{:08}", i));
    ASSERT_EQ(f->payload.size(), 64u * 1024);
    ASSERT_EQ(f->payload.back(), static_cast<char>('a' + i % 26));
  }
  EXPECT_EQ(pair.connection->queued_bytes(), 0u);
}

TEST(WsConnection, TheQueueCapRefusesInsteadOfBuffering) {
  connection_pair pair(ws_limits{.max_queued_bytes = 1 << 20, .max_message_bytes = 1 << 20});
  const auto body = pair.payload(std::string(64 * 1024, 'x'));
  int taken = 0;
  while (pair.connection->send(body) && taken < 100) ++taken;
  EXPECT_EQ(taken, 16);  // 16 x 64 KiB = the cap; the 17th would pass it
}

TEST(WsConnection, CloseWritesWhatIsQueuedFirstAndEndsWhenThePeerAnswers) {
  connection_pair pair;
  pair.connection->send(pair.payload("last words"));
  pair.connection->close(1001, "server shutting down");
  EXPECT_FALSE(pair.connection->send(pair.payload("too late")));
  const auto data = pair.next_frame();
  ASSERT_TRUE(data);
  EXPECT_EQ(data->payload, "last words");
  const auto close = pair.next_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, ws::op_close);
  EXPECT_EQ(connection_pair::close_code(*close), 1001);
  EXPECT_EQ(close->payload.substr(2), "server shutting down");
  EXPECT_FALSE(pair.events.ended);
  pair.client_write(connection_pair::frame(ws::op_close, std::string("\x03\xe9", 2)));
  ASSERT_TRUE(pair.pump_until([&] { return pair.events.ended.has_value() && pair.client_saw_eof; }));
  EXPECT_EQ(*pair.events.ended, ws_end::closed);
}

TEST(WsConnection, APeersCloseIsEchoedAndTheServerEndsTheConnection) {
  connection_pair pair;
  pair.client_write(connection_pair::frame(ws::op_close, std::string("\x03\xe8", 2) + "bye"));
  const auto close = pair.next_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, ws::op_close);
  EXPECT_EQ(connection_pair::close_code(*close), 1000);
  ASSERT_TRUE(pair.pump_until([&] { return pair.events.ended.has_value() && pair.client_saw_eof; }));
  EXPECT_EQ(*pair.events.ended, ws_end::closed);
}

TEST(WsConnection, TheSweepClosesIdleConnectionsAndDropsUnansweredCloses) {
  connection_pair pair;
  const auto now = mono_ns();
  pair.connection->sweep(now, 10'000'000'000);  // not idle yet
  EXPECT_FALSE(pair.connection->closing());
  pair.connection->sweep(now + 11'000'000'000, 10'000'000'000);
  EXPECT_TRUE(pair.connection->closing());
  const auto close = pair.next_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(connection_pair::close_code(*close), 1001);
  // The client never answers: dropped once the grace has passed.
  pair.connection->sweep(mono_ns() + 1'000'000'000, 0);
  EXPECT_FALSE(pair.events.ended);
  pair.connection->sweep(mono_ns() + ws_connection::close_grace_ns + 1'000'000, 0);
  ASSERT_TRUE(pair.pump_until([&] { return pair.events.ended.has_value() && pair.client_saw_eof; }));
}
