// The reference server, started in-process on a free loopback port and
// driven by real WebSocket clients in both encodings.
#include "server_fixture.hpp"

namespace throng::server {
namespace {

TEST_F(ServerTest, JsonClientChatsEndToEnd) {
  ws_test_client alice(port(), wire_format::json);
  const auto welcome = alice.hello();
  EXPECT_TRUE(welcome.can_send());
  EXPECT_FALSE(welcome.user().empty());
  EXPECT_TRUE(alice.join("general").messages().empty());

  alice.send(send_frame("general", "hi", 7));
  auto ack = alice.read_until(chat::ServerFrame::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().client_seq(), 7u);
  EXPECT_EQ(ack->ack().seq(), 1u);
  auto message = alice.read_until(chat::ServerFrame::kMessage);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->message().body(), "hi");
  EXPECT_EQ(message->message().sender(), welcome.user());
  EXPECT_EQ(message->message().sent_at_ns(), 123456789);
  EXPECT_GT(message->message().server_ts_ns(), 0);
}

TEST_F(ServerTest, BinaryAndJsonMembersOfOneRoomReceiveTheSameMessages) {
  ws_test_client text(port(), wire_format::json), binary(port(), wire_format::binary);
  text.hello();
  binary.hello();
  text.join("mixed");
  binary.join("mixed");
  for (int i = 1; i <= 5; ++i) binary.send(send_frame("mixed", "m" + std::to_string(i), i));
  for (int i = 1; i <= 5; ++i) {
    auto m = text.read_until(chat::ServerFrame::kMessage);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->message().seq(), static_cast<std::uint64_t>(i));
    EXPECT_EQ(m->message().body(), "m" + std::to_string(i));
  }
}

TEST_F(ServerTest, SequenceIsStrictlyIncreasingPerRoomAcrossShards) {
  // Several senders on different connections (and so shards) into a few rooms.
  std::vector<std::unique_ptr<ws_test_client>> senders;
  ws_test_client receiver(port(), wire_format::binary);
  receiver.hello();
  const std::vector<std::string> rooms = {"a", "b", "c"};
  for (const auto& r : rooms) receiver.join(r);
  for (int i = 0; i < 4; ++i) {
    senders.push_back(std::make_unique<ws_test_client>(port(), wire_format::binary));
    senders.back()->hello();
    for (const auto& r : rooms) senders.back()->join(r);
  }
  const int per_sender = 20;
  for (int k = 0; k < per_sender; ++k)
    for (auto& s : senders)
      for (const auto& r : rooms) s->send(send_frame(r, "x", static_cast<std::uint64_t>(k + 1)));

  std::map<std::string, std::uint64_t> last;
  int received = 0;
  while (received < per_sender * 4 * 3) {
    auto m = receiver.read_until(chat::ServerFrame::kMessage);
    ASSERT_TRUE(m) << "after " << received;
    auto& prev = last[m->message().room()];
    EXPECT_EQ(m->message().seq(), prev + 1) << m->message().room();
    prev = m->message().seq();
    ++received;
  }
  for (const auto& r : rooms) EXPECT_EQ(last[r], static_cast<std::uint64_t>(per_sender * 4));
}

TEST_F(ServerTest, BatchCapableClientsLoseNothingAndKeepOrder) {
  ws_test_client sender(port(), wire_format::binary), receiver(port(), wire_format::binary);
  sender.hello();
  const auto welcome = receiver.hello({"batch"});
  ASSERT_EQ(welcome.capabilities_size(), 1);
  sender.join("fast");
  receiver.join("fast");
  const int n = 500;
  for (int i = 1; i <= n; ++i) sender.send(send_frame("fast", "payload", i));
  std::uint64_t expect = 1;
  int batches = 0;
  while (expect <= n) {
    auto f = receiver.read();
    ASSERT_TRUE(f);
    std::vector<chat::ServerFrame> frames;
    if (f->has_batch()) {
      ++batches;
      for (const auto& inner : f->batch().frames()) frames.push_back(inner);
    } else {
      frames.push_back(*f);
    }
    for (const auto& m : frames) {
      if (!m.has_message()) continue;
      EXPECT_EQ(m.message().seq(), expect);
      ++expect;
    }
  }
  // Whether a burst is coalesced depends on timing; ws_channel_test pins the mechanism.
  RecordProperty("batches", batches);
}

TEST_F(ServerTest, JoinReplaysTheLastTenAndSinceSeqFillsTheGap) {
  ws_test_client sender(port(), wire_format::binary);
  sender.hello();
  sender.join("hist");
  // The memory store holds the newest 64 messages of a room.
  for (int i = 1; i <= 70; ++i) {
    sender.send(send_frame("hist", "m" + std::to_string(i), i));
    ASSERT_TRUE(sender.read_until(chat::ServerFrame::kAck));
  }
  ws_test_client late(port(), wire_format::json);
  late.hello();
  const auto history = late.join("hist");
  ASSERT_EQ(history.messages_size(), 10);
  EXPECT_EQ(history.messages(0).seq(), 61u);
  EXPECT_EQ(history.messages(9).body(), "m70");

  ws_test_client reconnecting(port(), wire_format::binary);
  reconnecting.hello();
  const auto gap = reconnecting.join("hist", 52);
  ASSERT_EQ(gap.messages_size(), 18);
  EXPECT_EQ(gap.messages(0).seq(), 53u);
  EXPECT_FALSE(gap.truncated());

  // Seq 2..6 are no longer held: the reply says so instead of pretending.
  ws_test_client too_late(port(), wire_format::binary);
  too_late.hello();
  const auto partial = too_late.join("hist", 1);
  EXPECT_TRUE(partial.truncated());
  EXPECT_EQ(partial.first_available_seq(), 7u);
  EXPECT_EQ(partial.messages_size(), 64);
}

TEST_F(ServerTest, DupFactorExpandsTheBody) {
  ws_test_client c(port(), wire_format::json);
  c.hello();
  c.join("dup");
  c.send(send_frame("dup", "ABC", 1, 3));
  auto m = c.read_until(chat::ServerFrame::kMessage);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message().body(), "ABCABCABC");
}

TEST_F(ServerTest, BadInputGetsTypedErrorsAndTheConnectionSurvives) {
  ws_test_client c(port(), wire_format::json);
  // Before hello.
  c.send(send_frame("r", "x", 1));
  auto e = c.read_until(chat::ServerFrame::kError);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().code(), chat::PROTOCOL_VIOLATION);
  EXPECT_NE(e->error().message().find("hello"), std::string::npos);

  c.hello();
  c.send_raw(R"({"send": {"room": )", true);
  e = c.read_until(chat::ServerFrame::kError);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().code(), chat::MALFORMED_FRAME);

  c.send_raw(std::string("\xff\xff\xff\xff", 4), false);
  e = c.read_until(chat::ServerFrame::kError);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().code(), chat::MALFORMED_FRAME);

  c.send(send_frame("not-joined", "x", 5));
  e = c.read_until(chat::ServerFrame::kError);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().code(), chat::NOT_JOINED);
  EXPECT_EQ(e->error().client_seq(), 5u);

  chat::ClientFrame bad_room;
  bad_room.mutable_join()->set_room("no spaces allowed!");
  c.send(bad_room);
  e = c.read_until(chat::ServerFrame::kError);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().code(), chat::BAD_ROOM_NAME);

  c.join("big");
  c.send(send_frame("big", std::string(1024, 'a'), 9, 100));  // 100 KiB after expansion > 64 KiB
  e = c.read_until(chat::ServerFrame::kError);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error().code(), chat::TOO_LARGE);
  EXPECT_EQ(e->error().client_seq(), 9u);

  // Still usable afterwards.
  c.send(send_frame("big", "fine", 10));
  auto ack = c.read_until(chat::ServerFrame::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().client_seq(), 10u);
}

TEST_F(ServerTest, OversizedFrameClosesWithTooBig) {
  ws_test_client c(port(), wire_format::binary);
  c.hello();
  // Just over the limit (64 KiB + 4 KiB of framing): the whole frame fits in the server's
  // socket buffer at once, so the server's close cannot cut our write short (a larger frame
  // sometimes met a reset mid-write: broken pipe).
  c.send_raw(std::string(72 * 1024, 'a'), false);
  EXPECT_FALSE(c.read_until(chat::ServerFrame::kError, std::chrono::seconds(5)));
  EXPECT_EQ(c.close_reason().code, websocket::close_code::too_big);
}

TEST_F(ServerTest, MetricsAndHealthAreServedOverHttp) {
  {
    ws_test_client c(port(), wire_format::json);
    c.hello();
    c.join("m");
    c.send(send_frame("m", "x", 1));
    ASSERT_TRUE(c.read_until(chat::ServerFrame::kMessage));
  }
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
  http_request req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_NE(res.body().find("throng_server_messages_total{shard="), std::string::npos);
  EXPECT_NE(res.body().find("throng_server_connections_accepted_total"), std::string::npos);
}

TEST_F(ServerTest, TheLatencyTheServerAddsIsRecordedPerDelivery) {
  ws_test_client a(port(), wire_format::binary), b(port(), wire_format::json);
  a.hello();
  b.hello();
  a.join("lat");
  b.join("lat");
  a.send_acked("lat", 5);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.read_until(chat::ServerFrame::kMessage));
  const auto metrics = test::http_call(port(), http::verb::get, "/metrics").body;
  // Ten deliveries (both members, five messages); acks and history are not messages.
  const std::string count_key = "throng_server_stage_seconds_count{stage=\"added\"} ";
  const auto at = metrics.find(count_key);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_EQ(std::stoull(metrics.substr(at + count_key.size())), 10u);
  // The targets' bounds are buckets of their own; on an idle loopback every delivery is within 1 s.
  EXPECT_NE(metrics.find("throng_server_stage_seconds_bucket{stage=\"added\",le=\"0.001\"}"), std::string::npos);
  EXPECT_NE(metrics.find("throng_server_stage_seconds_bucket{stage=\"added\",le=\"0.01\"}"), std::string::npos);
  EXPECT_NE(metrics.find("throng_server_stage_seconds_bucket{stage=\"added\",le=\"1\"} 10"), std::string::npos) << metrics;
}

TEST_F(ServerTest, StopClosesClientsWithGoingAway) {
  ws_test_client c(port(), wire_format::binary);
  c.hello();
  stop();
  EXPECT_FALSE(c.read(std::chrono::seconds(3)));
  EXPECT_EQ(c.close_reason().code, websocket::close_code::going_away);
}

}  // namespace
}  // namespace throng::server
