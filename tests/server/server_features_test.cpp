// The reference server's users, rooms, presence, limits and durable store,
// exercised over real sockets.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "server_fixture.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/token.hpp"
#include "throng/common/ws_frame.hpp"

namespace throng::server {
namespace {

using nlohmann::json;

chat::Error expect_error(ws_test_client& c, chat::ErrorCode code) {
  auto e = c.read_until(chat::ServerFrame::kError);
  EXPECT_TRUE(e) << "no error frame";
  if (!e) return {};
  EXPECT_EQ(e->error().code(), code) << e->error().message();
  return e->error();
}

TEST_F(ServerTest, AnonymousUsersReadButCannotSend) {
  ws_test_client writer(port(), wire_format::binary);
  writer.hello();
  writer.join("lobby");
  ws_test_client reader(port(), wire_format::json);
  const auto welcome = reader.hello({}, std::string());
  EXPECT_FALSE(welcome.can_send());
  reader.join("lobby");
  writer.send(send_frame("lobby", "hi all", 1));
  auto m = reader.read_until(chat::ServerFrame::kMessage);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message().body(), "hi all");

  reader.send(send_frame("lobby", "me too", 2));
  const auto e = expect_error(reader, chat::READ_ONLY);
  EXPECT_EQ(e.client_seq(), 2u);
  EXPECT_NE(e.message().find("log in"), std::string::npos) << e.message();
}

TEST_F(ServerTest, BadAndExpiredTokensAreRefusedClearly) {
  ws_test_client forged(port(), wire_format::json);
  chat::ClientFrame hello;
  hello.mutable_hello()->set_token(issue_token("mallory", 3600, "not-the-secret", wall_ns() / 1'000'000'000));
  forged.send(hello);
  EXPECT_NE(expect_error(forged, chat::BAD_TOKEN).message().find("/api/login"), std::string::npos);
  EXPECT_FALSE(forged.read(std::chrono::seconds(2)));
  EXPECT_EQ(forged.close_reason().code, websocket::close_code::policy_error);

  ws_test_client expired(port(), wire_format::json);
  hello.mutable_hello()->set_token(
      issue_token("bob", 60, test::test_token_secret, wall_ns() / 1'000'000'000 - 3600));
  expired.send(hello);
  EXPECT_NE(expect_error(expired, chat::TOKEN_EXPIRED).message().find("log in again"), std::string::npos);

  ws_test_client garbage(port(), wire_format::json);
  hello.mutable_hello()->set_token("not.a.jwt");
  garbage.send(hello);
  expect_error(garbage, chat::BAD_TOKEN);
}

// What a raw request over TCP gets back, until the server closes.
std::string raw_exchange(unsigned short port, const std::string& request) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(socket, net::buffer(request));
  std::string answer;
  error_code ec;
  char chunk[4096];
  while (!ec) answer.append(chunk, socket.read_some(net::buffer(chunk), ec));
  return answer;
}

TEST_F(ServerTest, RefusedHttpRequestsAreAnsweredWithWhy) {
  const auto big = test::http_call(port(), http::verb::post, "/api/register", std::string(2 * 1024 * 1024, 'a'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body, "the request body is larger than 1 MiB\n");
  const auto garbage = raw_exchange(port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << garbage;
  EXPECT_NE(garbage.find("malformed HTTP request: bad method"), std::string::npos) << garbage;
  const auto bad_length = raw_exchange(port(), "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n");
  EXPECT_NE(bad_length.find("malformed HTTP request: bad Content-Length"), std::string::npos) << bad_length;
  const auto huge_header = raw_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge_header.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u) << huge_header;
  // The server still answers as before.
  EXPECT_EQ(test::http_call(port(), http::verb::post, "/api/register", "not json").status, 400);
}

TEST_F(ServerTest, RegisterAndLoginGiveTokensThatChat) {
  const auto created = test::http_call(port(), http::verb::post, "/api/register",
                                       R"({"user": "alice", "password": "correct horse"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto token = json::parse(created.body).at("token").get<std::string>();

  EXPECT_EQ(test::http_call(port(), http::verb::post, "/api/register", R"({"user": "alice", "password": "another one"})").status,
            409);
  EXPECT_EQ(test::http_call(port(), http::verb::post, "/api/register", R"({"user": "al", "password": "long enough"})").status,
            400);
  EXPECT_EQ(test::http_call(port(), http::verb::post, "/api/register", "not json").status, 400);

  const auto login = test::http_call(port(), http::verb::post, "/api/login",
                                     R"({"user": "alice", "password": "correct horse"})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_GT(json::parse(login.body).at("expires_at").get<std::int64_t>(), wall_ns() / 1'000'000'000);

  ws_test_client alice(port(), wire_format::json);
  const auto welcome = alice.hello({}, token);
  EXPECT_EQ(welcome.user(), "alice");
  EXPECT_TRUE(welcome.can_send());
  alice.join("general");
  alice.send(send_frame("general", "hello", 1));
  auto m = alice.read_until(chat::ServerFrame::kMessage);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message().sender(), "alice");
}

TEST_F(ServerTest, FailedLoginsAreLimitedPerAddress) {
  auto config = memory_config();
  config.login_failures_per_minute = 3;
  restart(config);
  ASSERT_EQ(test::http_call(port(), http::verb::post, "/api/register", R"({"user": "carol", "password": "right-password"})").status,
            201);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(test::http_call(port(), http::verb::post, "/api/login", R"({"user": "carol", "password": "wrong-password"})").status,
              401);
  const auto limited =
      test::http_call(port(), http::verb::post, "/api/login", R"({"user": "carol", "password": "right-password"})");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.retry_after.empty());
  EXPECT_GE(std::stoi(limited.retry_after), 1);
}

TEST_F(ServerTest, PresetRoomsTransformAndFixedRoomsRefuseOthers) {
  auto config = memory_config();
  config.rooms = {{"deck", "pirate", 0}, {"hype", "bestie", 0}, {"loud", "shout", 0}};
  config.dynamic_rooms = false;
  restart(config);
  ws_test_client c(port(), wire_format::json);
  c.hello();
  c.join("deck");
  c.join("hype");
  c.join("loud");
  c.send(send_frame("deck", "hello my friend, you are late", 1));
  c.send(send_frame("hype", "the build is green", 2));
  c.send(send_frame("loud", "ship it caf\xC3\xA9", 3));
  std::map<std::string, std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    auto m = c.read_until(chat::ServerFrame::kMessage);
    ASSERT_TRUE(m);
    bodies[m->message().room()] = m->message().body();
  }
  EXPECT_EQ(bodies["deck"].rfind("ahoy me matey, ye be late", 0), 0u) << bodies["deck"];
  EXPECT_EQ(bodies["hype"].rfind("Hey bestie! \xE2\x9C\xA8 the build is green", 0), 0u) << bodies["hype"];
  EXPECT_EQ(bodies["loud"], "SHIP IT CAF\xC3\xA9!!");

  chat::ClientFrame join;
  join.mutable_join()->set_room("elsewhere");
  c.send(join);
  EXPECT_NE(expect_error(c, chat::UNKNOWN_ROOM).message().find("deck"), std::string::npos);
}

TEST_F(ServerTest, PresenceIsCoalescedPerInterval) {
  auto config = memory_config();
  config.presence_interval_s = 0.2;
  restart(config);
  ws_test_client first(port(), wire_format::json);
  first.hello();
  first.join("room");
  std::vector<std::unique_ptr<ws_test_client>> others;
  for (int i = 0; i < 5; ++i) {
    others.push_back(std::make_unique<ws_test_client>(port(), wire_format::binary));
    others.back()->hello();
    others.back()->join("room");
  }
  // Six joins within one interval or two come as one or two updates, not six.
  std::size_t joined = 0, updates = 0;
  std::uint32_t members = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (joined < 6 && std::chrono::steady_clock::now() < deadline) {
    auto p = first.read_until(chat::ServerFrame::kPresence, std::chrono::seconds(1));
    if (!p) break;
    ++updates;
    joined += p->presence().joined_size();
    members = p->presence().members();
  }
  EXPECT_EQ(joined, 6u);
  EXPECT_LE(updates, 3u);
  EXPECT_EQ(members, 6u);

  chat::ClientFrame typing;
  typing.mutable_typing()->set_room("room");
  others[0]->send(typing);
  auto p = first.read_until(chat::ServerFrame::kPresence);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->presence().typing_size(), 1);
}

TEST_F(ServerTest, CompactDupFactorFormForClientsThatAskForIt) {
  ws_test_client compact(port(), wire_format::binary);
  const auto welcome = compact.hello({"dup_factor"});
  ASSERT_EQ(welcome.capabilities_size(), 1);
  compact.join("dup");
  ws_test_client full(port(), wire_format::json);
  full.hello();
  full.join("dup");
  full.send(send_frame("dup", "ABC", 1, 3));
  auto c = compact.read_until(chat::ServerFrame::kMessage);
  auto f = full.read_until(chat::ServerFrame::kMessage);
  ASSERT_TRUE(c && f);
  EXPECT_EQ(c->message().body(), "ABC");
  EXPECT_EQ(c->message().dup_factor(), 3u);
  EXPECT_EQ(f->message().body(), "ABCABCABC");
  EXPECT_EQ(f->message().dup_factor(), 0u);
  EXPECT_EQ(c->message().seq(), f->message().seq());
}

TEST_F(ServerTest, RepeatedMalformedFramesCloseTheConnection) {
  auto config = memory_config();
  config.malformed_frame_limit = 3;
  restart(config);
  ws_test_client c(port(), wire_format::json);
  c.hello();
  for (int i = 0; i < 3; ++i) c.send_raw("{nope", true);
  for (int i = 0; i < 3; ++i) expect_error(c, chat::MALFORMED_FRAME);
  EXPECT_FALSE(c.read(std::chrono::seconds(2)));
  EXPECT_EQ(c.close_reason().code, websocket::close_code::policy_error);
}

TEST_F(ServerTest, SendRateLimitAnswersRateLimitedWithARetryHint) {
  auto config = memory_config();
  config.send_rate_per_user = 1;
  config.send_burst = 2;
  restart(config);
  ws_test_client c(port(), wire_format::json);
  c.hello();
  c.join("r");
  for (int i = 1; i <= 3; ++i) c.send(send_frame("r", "x", i));
  ASSERT_TRUE(c.read_until(chat::ServerFrame::kAck));
  const auto e = expect_error(c, chat::RATE_LIMITED);
  EXPECT_EQ(e.client_seq(), 3u);
  EXPECT_NE(e.message().find("retry in"), std::string::npos);
}

TEST_F(ServerTest, ConnectionsBeyondTheCapAreRefused) {
  auto config = memory_config();
  config.max_connections = 1;
  restart(config);
  ws_test_client first(port(), wire_format::json);
  first.hello();
  EXPECT_THROW(ws_test_client(port(), wire_format::json), std::exception);
  const auto metrics = test::http_call(port(), http::verb::get, "/metrics").body;
  // The refused connection landed on one of the two shards.
  EXPECT_TRUE(metrics.find("throng_server_connections_refused_total{shard=\"0\"} 1") != std::string::npos ||
              metrics.find("throng_server_connections_refused_total{shard=\"1\"} 1") != std::string::npos)
      << metrics;
}

// A client that sends and then closes at once, in one write: the server answers
// its close only after the acks of those sends (the room may live on the other shard).
TEST_F(ServerTest, AClientClosingRightAfterItsSendsStillGetsTheirAcks) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
  const auto write_all = [&](const std::string& bytes) { net::write(socket, net::buffer(bytes)); };
  const auto frame = [](const chat::ClientFrame& f) {
    const std::string payload = encode_frame(f, wire_format::binary);
    std::string out(ws::max_header_size, '\0');
    const char mask[4] = {1, 2, 3, 4};
    out.resize(ws::write_header(out.data(), ws::op_binary, payload.size(), mask));
    const auto at = out.size();
    out += payload;
    ws::apply_mask(out.data() + at, payload.size(), mask);
    return out;
  };
  std::string received;
  // Reads until `done(received)`; false at the end of the stream.
  const auto read_until = [&](auto done) {
    char buf[4096];
    while (!done(received)) {
      error_code ec;
      const auto n = socket.read_some(net::buffer(buf), ec);
      if (ec) return false;
      received.append(buf, n);
    }
    return true;
  };
  write_all("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  ASSERT_TRUE(read_until([](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; }));
  received.erase(0, received.find("\r\n\r\n") + 4);
  // The server's frames so far, parsed: kinds in order, and the close's code once it came.
  std::vector<chat::ServerFrame::KindCase> kinds;
  std::optional<std::uint16_t> close_code;
  const auto parse = [&](const std::string& r) {
    std::size_t pos = 0;
    ws::frame_header h;
    while (ws::parse_header(std::string_view(r).substr(pos), h) == ws::header_status::complete &&
           r.size() - pos >= h.size + h.length) {
      const auto body = std::string_view(r).substr(pos + h.size, h.length);
      if (h.opcode == ws::op_close) close_code = static_cast<std::uint16_t>((static_cast<unsigned char>(body[0]) << 8) |
                                                                             static_cast<unsigned char>(body[1]));
      else if (auto f = decode<chat::ServerFrame>(body, wire_format::binary)) kinds.push_back(f->kind_case());
      pos += h.size + h.length;
    }
  };
  const auto count = [&](chat::ServerFrame::KindCase kind) { return std::count(kinds.begin(), kinds.end(), kind); };
  chat::ClientFrame hello;
  hello.mutable_hello()->set_token(test::mint_test_token("quick-closer"));
  write_all(frame(hello));
  chat::ClientFrame join;
  join.mutable_join()->set_room("closing-time");
  write_all(frame(join));
  ASSERT_TRUE(read_until([&](const std::string& r) { kinds.clear(); parse(r); return count(chat::ServerFrame::kHistory) == 1; }));
  std::string burst;
  for (int i = 1; i <= 20; ++i) burst += frame(send_frame("closing-time", "bye " + std::to_string(i), i));
  const char mask[4] = {1, 2, 3, 4};
  std::string close_frame(ws::max_header_size, '\0');
  close_frame.resize(ws::write_header(close_frame.data(), ws::op_close, 2, mask));
  close_frame += std::string{static_cast<char>(0x03 ^ 1), static_cast<char>(0xE8 ^ 2)};  // 1000, masked
  write_all(burst + close_frame);
  read_until([&](const std::string& r) { kinds.clear(); close_code.reset(); parse(r); return close_code.has_value(); });
  ASSERT_TRUE(close_code.has_value()) << "the server answers the close";
  EXPECT_EQ(*close_code, 1000);
  EXPECT_EQ(count(chat::ServerFrame::kAck), 20) << "every send read before the close is acked before the server's close";
}

TEST_F(ServerTest, IdleConnectionsAreClosed) {
  auto config = memory_config();
  config.idle_timeout_s = 0.5;
  restart(config);
  ws_test_client c(port(), wire_format::json);
  c.hello();
  const auto started = std::chrono::steady_clock::now();
  // The server drops the connection: the read ends well before its own 5 s timeout.
  EXPECT_FALSE(c.read_until(chat::ServerFrame::kError, std::chrono::seconds(5)));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(4));
}

TEST_F(ServerTest, SlowConsumerIsDisconnectedAndCounted) {
  auto config = memory_config();
  config.max_queued_bytes = 256 * 1024;
  restart(config);
  ws_test_client slow(port(), wire_format::binary);
  slow.hello();
  slow.join("flood");
  ws_test_client sender(port(), wire_format::binary);
  sender.hello();
  sender.join("flood");
  // About 30 MB towards a client that reads nothing: beyond socket buffers and the queue.
  const std::string body(60 * 1024, 'x');
  for (int i = 1; i <= 500; ++i) {
    sender.send(send_frame("flood", body, i));
    // The sender keeps up with its own copy; only `slow` falls behind.
    ASSERT_TRUE(sender.read_until(chat::ServerFrame::kMessage));
  }
  bool closed = false;
  for (int i = 0; i < 1000 && !closed; ++i) closed = !slow.read(std::chrono::seconds(2));
  EXPECT_TRUE(closed);
  EXPECT_EQ(slow.close_reason().code, websocket::close_code::policy_error);
  EXPECT_NE(slow.close_reason().reason.find("slow consumer"), std::string::npos);
}

// ---- the SQLite store ------------------------------------------------------

class SqliteServerTest : public ServerTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("throng-store-" + std::to_string(getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    start(sqlite_config());
  }
  void TearDown() override {
    stop();
    std::filesystem::remove_all(dir_);
  }
  server_config sqlite_config() const {
    auto config = memory_config();
    config.store = "sqlite";
    config.store_path = (dir_ / "chat.db").string();
    return config;
  }
  std::filesystem::path dir_;
};

TEST_F(SqliteServerTest, HistoryUsersAndSeqSurviveARestart) {
  ASSERT_EQ(test::http_call(port(), http::verb::post, "/api/register", R"({"user": "dana", "password": "persistent"})").status,
            201);
  {
    ws_test_client c(port(), wire_format::binary);
    c.hello();
    c.join("kept");
    for (int i = 1; i <= 100; ++i) c.send(send_frame("kept", "m" + std::to_string(i), i));
    for (int i = 1; i <= 100; ++i) ASSERT_TRUE(c.read_until(chat::ServerFrame::kAck)) << i;
  }
  restart(sqlite_config());

  EXPECT_EQ(test::http_call(port(), http::verb::post, "/api/login", R"({"user": "dana", "password": "persistent"})").status, 200);
  ws_test_client c(port(), wire_format::json);
  c.hello();
  const auto recent = c.join("kept");
  ASSERT_EQ(recent.messages_size(), 10);
  EXPECT_EQ(recent.messages(9).body(), "m100");
  EXPECT_EQ(recent.first_available_seq(), 1u);
  c.send(send_frame("kept", "after restart", 1));
  auto ack = c.read_until(chat::ServerFrame::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().seq(), 101u) << "seq continues, never reused";

  // A gap older than what memory holds is read from the store.
  ws_test_client back(port(), wire_format::binary);
  back.hello();
  const auto gap = back.join("kept", 5);
  EXPECT_FALSE(gap.truncated());
  ASSERT_EQ(gap.messages_size(), 96);
  for (int i = 0; i < gap.messages_size(); ++i) EXPECT_EQ(gap.messages(i).seq(), 6u + i);
}

TEST_F(SqliteServerTest, ReplayBeyondTheBoundSaysItIsTruncated) {
  auto config = sqlite_config();
  config.max_replay = 20;
  restart(config);
  ws_test_client c(port(), wire_format::binary);
  c.hello();
  c.join("long");
  c.send_acked("long", 150);
  ws_test_client back(port(), wire_format::binary);
  back.hello();
  const auto gap = back.join("long", 2);
  EXPECT_TRUE(gap.truncated());
  ASSERT_GT(gap.messages_size(), 0);
  EXPECT_EQ(gap.messages(gap.messages_size() - 1).seq(), 150u);
}

TEST_F(SqliteServerTest, AFullStoreAnswersUnavailableAndKeepsWhatItAcked) {
  auto config = sqlite_config();
  config.store_max_bytes = 512 * 1024;  // fills up after a few 60 KB messages
  restart(config);
  ws_test_client c(port(), wire_format::binary);
  c.hello();
  c.join("full");
  const int sends = 40;
  std::map<std::uint64_t, std::uint64_t> acked;  // client_seq -> seq
  int unavailable = 0;
  // The first few one at a time, each its own commit, so they fit; then a flood past the cap.
  for (int i = 1; i <= 3; ++i) {
    c.send(send_frame("full", std::string(60 * 1024, static_cast<char>('a' + i % 26)), i));
    auto f = c.read_until(chat::ServerFrame::kAck);
    ASSERT_TRUE(f) << "a message well under the cap was not acked";
    acked[f->ack().client_seq()] = f->ack().seq();
  }
  for (int i = 4; i <= sends; ++i) c.send(send_frame("full", std::string(60 * 1024, static_cast<char>('a' + i % 26)), i));
  while (static_cast<int>(acked.size()) + unavailable < sends) {
    auto f = c.read(std::chrono::seconds(5));
    ASSERT_TRUE(f) << "every send gets an ack or an error";
    if (f->has_ack()) acked[f->ack().client_seq()] = f->ack().seq();
    if (f->has_error()) {
      EXPECT_EQ(f->error().code(), chat::UNAVAILABLE) << f->error().message();
      EXPECT_NE(f->error().message().find("not delivered"), std::string::npos);
      ++unavailable;
    }
  }
  EXPECT_GT(acked.size(), 0u);
  EXPECT_GT(unavailable, 0) << "the cap was never reached";

  config.store_max_bytes = 0;
  restart(config);
  ws_test_client after(port(), wire_format::binary);
  after.hello();
  const auto replay = after.join("full", 1);
  std::set<std::uint64_t> kept;
  for (const auto& m : replay.messages()) kept.insert(m.seq());
  for (const auto& [client_seq, seq] : acked) {
    if (seq == 1) continue;  // since_seq 1 replays from seq 2
    EXPECT_TRUE(kept.contains(seq)) << "acked seq " << seq << " was lost";
  }
}

TEST_F(SqliteServerTest, AcksOnReceiptThatTheStoreCannotKeepAreCounted) {
  auto config = sqlite_config();
  config.ack_durable = false;
  config.store_max_bytes = 512 * 1024;
  restart(config);
  ws_test_client c(port(), wire_format::binary);
  c.hello();
  c.join("full");
  // Acked on receipt, so every send is acked; the store fills up behind them.
  EXPECT_EQ(c.send_acked("full", 40, std::string(60 * 1024, 'x')).size(), 40u);
  std::uint64_t not_stored = 0;
  for (int i = 0; i < 100 && not_stored == 0; ++i) {
    const auto metrics = test::http_call(port(), http::verb::get, "/metrics").body;
    for (const char* shard : {"0", "1"}) {
      const std::string key = std::string("throng_server_acked_not_stored_total{shard=\"") + shard + "\"} ";
      if (const auto at = metrics.find(key); at != std::string::npos)
        not_stored += std::stoull(metrics.substr(at + key.size()));
    }
    if (not_stored == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(not_stored, 0u) << "a store failure after the ack must be visible";
}

TEST(ServerStore, ABadStorePathIsAClearStartupError) {
  server_config config;
  config.port = 0;
  config.store_path = "/nonexistent-dir/sub/chat.db";
  try {
    server s(config);
    FAIL() << "expected the store to fail";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/sub/chat.db"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace throng::server
