// Several throng-server instances sharing rooms through a real Redis, history
// in a real PostgreSQL, a real HAProxy in front: private instances from
// Debian's packages on free loopback ports, started and stopped here.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/services.hpp"
#include "../support/ws_test_client.hpp"

namespace throng::test {
namespace {

using namespace std::chrono_literals;

// A test's directory, removed afterwards unless the test failed (its logs are there).
struct removed_unless_failed {
  std::string path;
  ~removed_unless_failed() {
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(path);
  }
};

std::vector<std::string> scaled(const redis_service* redis, const postgres_service* pg) {
  std::vector<std::string> args;
  if (redis) args.insert(args.end(), {"--bus", redis->url()});
  if (pg) args.insert(args.end(), {"--store", pg->url()});
  return args;
}

// `count` instances sharing the same bus and store, each with its own directory.
using instance_list = std::vector<std::unique_ptr<server_process>>;
instance_list start_instances(const std::string& dir, int count, const std::vector<std::string>& args) {
  instance_list servers;
  for (int i = 0; i < count; ++i) {
    const auto own = dir + "/s" + std::to_string(i);
    std::filesystem::create_directories(own);
    servers.push_back(std::make_unique<server_process>(own, args));
    if (servers.back()->port == 0) throw std::runtime_error("instance " + std::to_string(i) + " did not start; see " + own);
  }
  return servers;
}

// A temporary directory, a private Redis and PostgreSQL, and `count` instances sharing them.
struct cluster {
  explicit cluster(int count) : servers(start_instances(dir, count, scaled(&redis, &pg))) {}
  std::string dir = make_temp_dir();
  removed_unless_failed cleanup{dir};
  redis_service redis{dir};
  postgres_service pg{dir};
  instance_list servers;
};

// Waits until `metric` sums to at least `value` on the server (at most `seconds`).
bool wait_metric(const server_process& s, const std::string& metric, double value, double seconds = 10) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (s.metric(metric) >= value) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Reads messages of `room` until `count` arrived or `timeout` passed; seqs in arrival order.
std::vector<std::uint64_t> read_messages(ws_test_client& c, std::size_t count, std::chrono::milliseconds timeout = 10s) {
  std::vector<std::uint64_t> seqs;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (seqs.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto f = c.read_until(chat::ServerFrame::kMessage, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                           deadline - std::chrono::steady_clock::now()));
    if (!f) break;
    seqs.push_back(f->message().seq());
  }
  return seqs;
}

void expect_once_in_order(const std::vector<std::uint64_t>& seqs, const std::set<std::uint64_t>& acked,
                          const std::string& who) {
  for (std::size_t i = 1; i < seqs.size(); ++i)
    ASSERT_LT(seqs[i - 1], seqs[i]) << who << ": seq " << seqs[i] << " after " << seqs[i - 1] << " (out of order or twice)";
  const std::set<std::uint64_t> got(seqs.begin(), seqs.end());
  for (auto seq : acked) ASSERT_TRUE(got.contains(seq)) << who << " never got acked seq " << seq;
}

class ScaleOut : public ::testing::TestWithParam<int> {};

TEST_P(ScaleOut, MembersOnEveryInstanceGetEveryMessageOnceInOrder) {
  const int instances = GetParam();
  cluster shared(GetParam());
  auto& [dir, cleanup, redis, pg, servers] = shared;
  // Two receivers per instance, one in each encoding; one sender per instance.
  std::vector<std::unique_ptr<ws_test_client>> receivers, senders;
  for (auto& s : servers)
    for (auto format : {wire_format::binary, wire_format::json}) {
      receivers.push_back(std::make_unique<ws_test_client>(s->port, format));
      receivers.back()->hello();
      receivers.back()->join("lobby");
    }
  for (auto& s : servers) {
    senders.push_back(std::make_unique<ws_test_client>(s->port, wire_format::binary));
    senders.back()->hello();
    senders.back()->join("lobby");
  }
  constexpr int per_sender = 150;
  std::set<std::uint64_t> acked;
  // Interleaved: every sender has messages in flight at once.
  for (auto& s : senders)
    for (int i = 1; i <= per_sender; ++i) s->send(send_frame("lobby", "m" + std::to_string(i), i));
  for (auto& s : senders) {
    for (int i = 0; i < per_sender; ++i) {
      auto ack = s->read_until(chat::ServerFrame::kAck);
      ASSERT_TRUE(ack) << "a send was not acked";
      acked.insert(ack->ack().seq());
    }
  }
  ASSERT_EQ(acked.size(), static_cast<std::size_t>(instances * per_sender)) << "two sends got the same seq";
  EXPECT_EQ(*acked.begin(), 1u);
  EXPECT_EQ(*acked.rbegin(), acked.size()) << "seqs are not contiguous";
  for (std::size_t r = 0; r < receivers.size(); ++r) {
    const auto seqs = read_messages(*receivers[r], acked.size());
    EXPECT_EQ(seqs.size(), acked.size()) << "receiver " << r;
    expect_once_in_order(seqs, acked, "receiver " + std::to_string(r));
    // Nothing more arrives: exactly once.
    EXPECT_FALSE(receivers[r]->read_until(chat::ServerFrame::kMessage, 300ms)) << "receiver " << r << " got an extra message";
  }
  // History is shared: a join on any instance replays what every instance acked.
  ws_test_client late(servers.back()->port, wire_format::json);
  late.hello();
  const auto history = late.join("lobby", acked.size() - 20);
  ASSERT_EQ(history.messages_size(), 20);
  EXPECT_EQ(history.messages(19).seq(), acked.size());
  EXPECT_EQ(pg.query("SELECT count(*) FROM messages WHERE room = 'lobby'"), std::to_string(acked.size()));
}

INSTANTIATE_TEST_SUITE_P(Instances, ScaleOut, ::testing::Values(2, 3), [](const auto& info) {
  return std::to_string(info.param) + "Instances";
});

TEST(ScaleOutRun, ThrongRunSpreadsUsersOverInstancesAndEveryoneGetsEverything) {
  cluster shared(2);
  auto& [dir, cleanup, redis, pg, servers] = shared;
  // Agents mint tokens with the servers' test secret, which throng passes on from here.
  setenv("THRONG_TEST_TOKEN_SECRET", test_token_secret, 1);
  write_file(dir + "/two.yaml", "name: two-instances\nseed: 11\ntarget:\n  urls: [" + servers[0]->url() + ", " +
                                    servers[1]->url() +
                                    "]\nduration: 4s\ngraceful_stop: 2s\nusers: 120\nrooms: 3\nrate: 300/s\n"
                                    "message_size: 64B\nagents: 2\n");
  const auto r = run_command({bin_dir() + "/throng", "run", dir + "/two.yaml", "--report", dir + "/report.json",
                              "--work-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto report = nlohmann::json::parse(read_file(dir + "/report.json"));
  const auto& t = report.at("totals");
  EXPECT_GT(t.at("sent").get<std::uint64_t>(), 1000u);
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("delivered"), t.at("expected")) << "members on one instance missed messages sent on the other";
  EXPECT_EQ(t.at("lost").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("duplicated").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("out_of_order").get<std::uint64_t>(), 0u);
  // Both instances carried half the users and took sends.
  for (auto& s : servers) {
    EXPECT_EQ(s->metric("throng_server_connections_accepted_total"), 60) << "users were not spread";
    EXPECT_GT(s->metric("throng_server_bus_published_total"), 400);
  }
}

// A receiver that reconnects through the load balancer and replays its gap.
struct reconnecting_receiver {
  std::vector<std::uint64_t> seqs;  // every message, replayed or live, in arrival order
  int dropped = 0;                  // connections that ended under it (not by a quiet timeout)
  std::atomic<bool> joined{false};  // its first join was answered: it gets every message sent from now on
  std::thread thread;

  void run(unsigned short port, const std::string& room, const std::atomic<bool>& done) {
    bool first = true;
    while (!done) {
      try {
        ws_test_client c(port, wire_format::binary);
        c.hello();
        const auto history = c.join(room, seqs.empty() ? 0 : seqs.back());
        if (!first)
          for (const auto& m : history.messages()) seqs.push_back(m.seq());
        first = false;
        joined = true;
        for (;;) {
          const auto started = std::chrono::steady_clock::now();
          auto f = c.read(2s);  // a timeout closes the stream too: then rejoin like after a drop
          if (!f) {
            if (std::chrono::steady_clock::now() - started < 1900ms) ++dropped;
            break;
          }
          if (f->has_message()) seqs.push_back(f->message().seq());
        }
      } catch (const std::exception&) {
        std::this_thread::sleep_for(50ms);
      }
    }
  }
};

TEST(ScaleOutFailover, KilledInstanceClientsReconnectThroughHAProxyAndLoseNothing) {
  cluster shared(3);
  auto& [dir, cleanup, redis, pg, servers] = shared;
  std::vector<std::string> addresses;
  for (const auto& s : servers) addresses.push_back("127.0.0.1:" + std::to_string(s->port));
  haproxy_service lb(dir, addresses);

  std::atomic<bool> done{false};
  std::vector<std::unique_ptr<reconnecting_receiver>> receivers;
  for (int i = 0; i < 6; ++i) {
    receivers.push_back(std::make_unique<reconnecting_receiver>());
    auto* r = receivers.back().get();
    r->thread = std::thread([r, &lb, &done] { r->run(lb.port, "failover", done); });
  }
  // Every instance holds receivers before the first send.
  for (auto& s : servers) ASSERT_TRUE(wait_metric(*s, "throng_server_connections_open", 2)) << "leastconn did not spread";
  // And every receiver has joined: one that joins after a send would see it only in its first
  // history, which (like a client that has just arrived) it does not count.
  const auto join_deadline = std::chrono::steady_clock::now() + 10s;
  bool all_joined = true;
  for (auto& r : receivers) {
    while (!r->joined && std::chrono::steady_clock::now() < join_deadline) std::this_thread::sleep_for(10ms);
    all_joined = all_joined && r->joined;
  }
  if (!all_joined) {
    done = true;
    for (auto& r : receivers) r->thread.join();
    FAIL() << "not every receiver could join within 10 s";
  }

  // One sender through the balancer, reconnecting too; a send counts once acked.
  std::set<std::uint64_t> acked;
  int unacked = 0;
  std::uint64_t client_seq = 0;
  bool killed = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (acked.size() < 600 && std::chrono::steady_clock::now() < deadline) {
    try {
      ws_test_client sender(lb.port, wire_format::binary);
      sender.hello();
      sender.join("failover");
      while (acked.size() < 600) {
        ++client_seq;
        sender.send(send_frame("failover", "f" + std::to_string(client_seq), client_seq));
        auto reply = sender.read(2s);
        while (reply && !reply->has_ack() && !reply->has_error()) reply = sender.read(2s);
        if (!reply) break;
        if (reply->has_ack()) acked.insert(reply->ack().seq());
        else ++unacked;
        if (acked.size() == 200 && !killed) {
          killed = true;
          EXPECT_EQ(servers[0]->process->stop(SIGKILL), 128 + SIGKILL);
        }
      }
    } catch (const std::exception&) {
      std::this_thread::sleep_for(50ms);
    }
  }
  ASSERT_TRUE(killed);
  ASSERT_EQ(acked.size(), 600u) << "the sender could not get 600 acks through the balancer";

  // Let everyone catch up, then stop.
  const auto catch_up = std::chrono::steady_clock::now() + 20s;
  auto all_caught_up = [&] {
    for (auto& r : receivers)
      if (r->seqs.empty() || r->seqs.back() < *acked.rbegin()) return false;
    return true;
  };
  while (!all_caught_up() && std::chrono::steady_clock::now() < catch_up) std::this_thread::sleep_for(100ms);
  done = true;
  for (auto& r : receivers) r->thread.join();

  int reconnected = 0;
  for (std::size_t i = 0; i < receivers.size(); ++i) {
    reconnected += receivers[i]->dropped > 0;
    expect_once_in_order(receivers[i]->seqs, acked, "receiver " + std::to_string(i));
  }
  EXPECT_GE(reconnected, 1) << "no receiver lost its connection with the killed instance";
  std::cerr << "acked " << acked.size() << ", refused " << unacked << ", receivers that reconnected " << reconnected << "\n";
}

TEST(ScaleOutFailover, RedisRestartLosesAndRepeatsNothing) {
  const std::string dir = make_temp_dir();
  const removed_unless_failed cleanup{dir};
  redis_service redis(dir);
  const auto servers = start_instances(dir, 2, scaled(&redis, nullptr));
  std::vector<std::unique_ptr<ws_test_client>> receivers;
  for (auto& s : servers) {
    receivers.push_back(std::make_unique<ws_test_client>(s->port, wire_format::binary));
    receivers.back()->hello();
    receivers.back()->join("restart");
  }
  ws_test_client sender(servers[0]->port, wire_format::json);
  sender.hello();
  sender.join("restart");
  std::set<std::uint64_t> acked;
  for (auto [cs, seq] : sender.send_acked("restart", 100)) acked.insert(seq);

  redis.stop();
  // The bus notices at once (the connections close) and says so on /metrics within its 250 ms refresh.
  const auto noticed_by = std::chrono::steady_clock::now() + 5s;
  while (servers[0]->metric("throng_server_bus_connected") != 0 && std::chrono::steady_clock::now() < noticed_by)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(servers[0]->metric("throng_server_bus_connected"), 0) << "/metrics still says the bus is connected";
  // While Redis is down: a send is refused with UNAVAILABLE, not lost silently.
  sender.send(send_frame("restart", "while-down", 1000));
  auto refused = sender.read_until(chat::ServerFrame::kError, 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error().code(), chat::UNAVAILABLE);
  EXPECT_NE(refused->error().message().find("Redis"), std::string::npos) << refused->error().message();
  // A room this instance does not read yet cannot be joined without the bus; the session stays usable.
  ws_test_client newcomer(servers[1]->port, wire_format::binary);
  newcomer.hello();
  chat::ClientFrame join;
  join.mutable_join()->set_room("fresh-room");
  newcomer.send(join);
  auto refused_join = newcomer.read_until(chat::ServerFrame::kError, 5s);
  ASSERT_TRUE(refused_join);
  EXPECT_EQ(refused_join->error().code(), chat::UNAVAILABLE);
  EXPECT_EQ(refused_join->error().room(), "fresh-room");

  redis.start();
  for (auto& s : servers) ASSERT_TRUE(wait_metric(*s, "throng_server_bus_connected", 1, 10)) << "the bus did not reconnect";
  EXPECT_EQ(newcomer.join("fresh-room").messages_size(), 0) << "the refused join left the session stuck";
  for (int i = 1; i <= 100; ++i) sender.send(send_frame("restart", "after-" + std::to_string(i), 2000 + i));
  for (int i = 0; i < 100; ++i) {
    auto ack = sender.read_until(chat::ServerFrame::kAck);
    ASSERT_TRUE(ack);
    acked.insert(ack->ack().seq());
  }
  EXPECT_EQ(*acked.rbegin(), 200u) << "seq did not continue after the restart";
  for (std::size_t r = 0; r < receivers.size(); ++r) {
    const auto seqs = read_messages(*receivers[r], acked.size());
    expect_once_in_order(seqs, acked, "receiver " + std::to_string(r));
    EXPECT_EQ(seqs.size(), acked.size());
  }
  for (auto& s : servers) EXPECT_EQ(s->process->stop(SIGTERM), 0) << "a server with a bus did not shut down cleanly";
}

TEST(ScaleOutFailover, RedisThatLostItsDataNeverMakesASeqRepeat) {
  cluster shared(2);
  auto& [dir, cleanup, redis, pg, servers] = shared;
  std::vector<std::unique_ptr<ws_test_client>> receivers;
  for (auto& s : servers) {
    receivers.push_back(std::make_unique<ws_test_client>(s->port, wire_format::binary));
    receivers.back()->hello();
    receivers.back()->join("amnesia");
  }
  std::set<std::uint64_t> acked;
  {
    ws_test_client sender(servers[0]->port, wire_format::binary);
    sender.hello();
    sender.join("amnesia");
    for (auto [cs, seq] : sender.send_acked("amnesia", 50)) acked.insert(seq);
  }
  // Redis comes back empty: no stream, nothing to number after.
  redis.stop(SIGKILL);
  std::filesystem::remove_all(redis.dir);
  std::filesystem::create_directories(redis.dir);
  redis.start();
  for (auto& s : servers) ASSERT_TRUE(wait_metric(*s, "throng_server_bus_connected", 1, 10));
  {
    // From the other instance: it knows the room stands at 50.
    ws_test_client sender(servers[1]->port, wire_format::json);
    sender.hello();
    sender.join("amnesia");
    for (auto [cs, seq] : sender.send_acked("amnesia", 50)) {
      EXPECT_GT(seq, 50u) << "a seq was given out twice";
      acked.insert(seq);
    }
  }
  ASSERT_EQ(acked.size(), 100u);
  for (std::size_t r = 0; r < receivers.size(); ++r) {
    const auto seqs = read_messages(*receivers[r], acked.size());
    EXPECT_EQ(seqs.size(), acked.size()) << "receiver " << r;
    expect_once_in_order(seqs, acked, "receiver " + std::to_string(r));
  }
  // A new instance finds an empty-looking stream for a room PostgreSQL knows: it continues from the store.
  std::filesystem::create_directories(dir + "/late");
  server_process late(dir + "/late", scaled(&redis, &pg));
  ASSERT_NE(late.port, 0);
  redis.stop(SIGKILL);
  std::filesystem::remove_all(redis.dir);
  std::filesystem::create_directories(redis.dir);
  redis.start();
  ASSERT_TRUE(wait_metric(late, "throng_server_bus_connected", 1, 10));
  ws_test_client c(late.port, wire_format::binary);
  c.hello();
  const auto history = c.join("amnesia");
  ASSERT_GT(history.messages_size(), 0) << "history did not come from the store";
  EXPECT_EQ(history.messages(history.messages_size() - 1).seq(), *acked.rbegin());
  EXPECT_GT(c.send_acked("amnesia", 1).begin()->second, *acked.rbegin());
}

TEST(ScaleOutFailover, WithoutAStoreARestartedInstanceReplaysFromTheStream) {
  const std::string dir = make_temp_dir();
  const removed_unless_failed cleanup{dir};
  redis_service redis(dir);
  std::vector<std::string> args = {"--bus", redis.url(), "--store", "memory"};
  std::set<std::uint64_t> acked;
  {
    server_process first(dir, args);
    ASSERT_NE(first.port, 0);
    ws_test_client c(first.port, wire_format::binary);
    c.hello();
    c.join("replay");
    for (auto [cs, seq] : c.send_acked("replay", 300)) acked.insert(seq);
    EXPECT_EQ(first.process->stop(SIGKILL), 128 + SIGKILL);
  }
  server_process again(dir, args);
  ASSERT_NE(again.port, 0);
  ws_test_client c(again.port, wire_format::json);
  c.hello();
  // Far more than the 64 newest messages a subscription loads into memory.
  const auto history = c.join("replay", 50);
  ASSERT_EQ(history.messages_size(), 250);
  for (int i = 0; i < history.messages_size(); ++i) ASSERT_EQ(history.messages(i).seq(), 51u + i);
  EXPECT_FALSE(history.truncated());
  EXPECT_EQ(c.send_acked("replay", 1).begin()->second, 301u) << "seq continues after the restart";
}

TEST(PostgresStore, RestartKeepsAckedMessagesAndTheServerRecovers) {
  const std::string dir = make_temp_dir();
  const removed_unless_failed cleanup{dir};
  postgres_service pg(dir);
  server_process server(dir, scaled(nullptr, &pg));
  ASSERT_NE(server.port, 0);
  ASSERT_EQ(http_call(server.port, http::verb::post, "/api/register", R"({"user": "pat", "password": "kept-in-postgres"})").status,
            201);
  ws_test_client c(server.port, wire_format::binary);
  c.hello();
  c.join("durable");
  std::map<std::uint64_t, std::string> acked;
  for (auto [cs, seq] : c.send_acked("durable", 200, "before")) acked[seq] = "before";

  pg.stop();
  c.send(send_frame("durable", "while-down", 500));
  auto refused = c.read_until(chat::ServerFrame::kError, 10s);
  ASSERT_TRUE(refused) << "a send with PostgreSQL down was neither stored nor refused";
  EXPECT_EQ(refused->error().code(), chat::UNAVAILABLE);

  pg.start();
  // The writer reconnects on its next batch.
  std::optional<chat::ServerFrame> ack;
  for (int attempt = 0; attempt < 20 && !ack; ++attempt) {
    c.send(send_frame("durable", "after", 600 + attempt));
    auto reply = c.read(5s);
    while (reply && !reply->has_ack() && !reply->has_error()) reply = c.read(5s);
    if (reply && reply->has_ack()) ack = reply;
    else std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(ack) << "the server did not recover after PostgreSQL came back";
  acked[ack->ack().seq()] = "after";

  const auto count = pg.query("SELECT count(*) FROM messages WHERE room = 'durable' AND seq = ANY(ARRAY[" + [&] {
    std::string list;
    for (auto& [seq, body] : acked) list += (list.empty() ? "" : ",") + std::to_string(seq);
    return list;
  }() + "])");
  EXPECT_EQ(count, std::to_string(acked.size())) << "acked messages are missing from PostgreSQL";
  EXPECT_EQ(pg.query("SELECT count(*) FROM users WHERE name = 'pat'"), "1");
  EXPECT_GE(std::stoi(pg.query("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
                               "WHERE p.relname = 'messages'")),
            4)
      << "day partitions from yesterday to two days ahead";

  // A restarted server serves the replay from PostgreSQL and logs the user in.
  server.process->stop(SIGTERM);
  server_process again(dir, scaled(nullptr, &pg));
  ASSERT_NE(again.port, 0);
  EXPECT_EQ(http_call(again.port, http::verb::post, "/api/login", R"({"user": "pat", "password": "kept-in-postgres"})").status, 200);
  ws_test_client d(again.port, wire_format::json);
  d.hello();
  const auto replay = d.join("durable", 1);
  ASSERT_GE(replay.messages_size(), 199);
  EXPECT_EQ(replay.messages(0).seq(), 2u);
  EXPECT_EQ(replay.messages(0).body(), "before");
}

TEST(PostgresStore, SeveralDatabasesShardTheHistoryByRoom) {
  const std::string dir = make_temp_dir();
  const removed_unless_failed cleanup{dir};
  postgres_service pg(dir);
  pg.query("CREATE DATABASE shard_b");
  std::string url_b = pg.url();
  url_b.replace(url_b.rfind('/'), std::string::npos, "/shard_b");
  const auto count_in = [&](const std::string& db, const std::string& sql) {
    return run_command({"/usr/bin/psql", "-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-p", std::to_string(pg.port), "-U",
                        "throng", "-d", db, "-c", sql})
        .out;
  };
  std::map<std::string, std::set<std::uint64_t>> acked;  // room -> seqs
  {
    server_process server(dir, {"--store", pg.url(), "--store", url_b});
    ASSERT_NE(server.port, 0);
    ASSERT_EQ(http_call(server.port, http::verb::post, "/api/register", R"({"user": "sam", "password": "sharded-pass"})").status,
              201);
    ws_test_client c(server.port, wire_format::binary);
    c.hello();
    for (int r = 0; r < 12; ++r) {
      const auto room = "shard-" + std::to_string(r);
      c.join(room);
      for (auto [cs, seq] : c.send_acked(room, 10, room)) acked[room].insert(seq);
    }
  }
  int in_a = 0, in_b = 0;
  for (const auto& [room, seqs] : acked) {
    const int a = std::atoi(count_in("postgres", "SELECT count(*) FROM messages WHERE room = '" + room + "'").c_str());
    const int b = std::atoi(count_in("shard_b", "SELECT count(*) FROM messages WHERE room = '" + room + "'").c_str());
    EXPECT_TRUE((a == 10 && b == 0) || (a == 0 && b == 10)) << room << ": " << a << " in one database, " << b << " in the other";
    in_a += a > 0;
    in_b += b > 0;
  }
  EXPECT_GT(in_a, 0);
  EXPECT_GT(in_b, 0) << "every room landed in the first database";
  EXPECT_EQ(count_in("postgres", "SELECT count(*) FROM users WHERE name = 'sam'"), "1\n");
  // A restart reads every room back from its own database.
  server_process again(dir, {"--store", pg.url(), "--store", url_b});
  ASSERT_NE(again.port, 0);
  ws_test_client d(again.port, wire_format::json);
  d.hello();
  for (const auto& [room, seqs] : acked) {
    const auto history = d.join(room, 0);
    ASSERT_EQ(history.messages_size(), 10) << room;
    EXPECT_EQ(history.messages(9).seq(), *seqs.rbegin()) << room;
    EXPECT_EQ(history.messages(9).body(), room);
  }
  EXPECT_EQ(d.send_acked("shard-0", 1).begin()->second, 11u) << "seq continues from the right database";
}

TEST(PostgresStore, RetentionDropsExpiredPartitionsAndRowsWhileWritersGoOn) {
  const std::string dir = make_temp_dir();
  const removed_unless_failed cleanup{dir};
  postgres_service pg(dir);
  {
    server_process first(dir, scaled(nullptr, &pg));  // creates the schema
    ASSERT_NE(first.port, 0);
  }
  // Months-old history in its own day partition, and a day-old row in today's range of partitions.
  pg.query("CREATE TABLE messages_p20200101 PARTITION OF messages FOR VALUES FROM ('2020-01-01 00:00:00+00') TO "
           "('2020-01-02 00:00:00+00')");
  pg.query("INSERT INTO messages SELECT 'old', g, 'x', 'b', 0, 0, '2020-01-01 12:00:00+00' FROM generate_series(1, 12000) g");
  pg.query("INSERT INTO messages SELECT 'recent', g, 'x', 'b', 0, 0, now() - interval '2 hours' FROM generate_series(1, 7000) g");
  ASSERT_EQ(pg.query("SELECT count(*) FROM messages"), "19000");

  server_process server(dir, {"--store", pg.url(), "--retention", "1h", "--retention-interval", "200ms"});
  ASSERT_NE(server.port, 0);
  ws_test_client c(server.port, wire_format::binary);
  c.hello();
  c.join("live");
  std::size_t acked = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    acked += c.send_acked("live", 50).size();  // writers keep committing throughout
    if (pg.query("SELECT count(*) FROM messages WHERE room IN ('old', 'recent')") == "0") break;
  }
  EXPECT_EQ(pg.query("SELECT count(*) FROM messages WHERE room IN ('old', 'recent')"), "0");
  EXPECT_EQ(pg.query("SELECT count(*) FROM pg_class WHERE relname = 'messages_p20200101'"), "0") << "expired partition kept";
  EXPECT_EQ(pg.query("SELECT count(*) FROM messages WHERE room = 'live'"), std::to_string(acked));
  EXPECT_GE(server.metric("throng_server_store_partitions_dropped_total"), 1);
  EXPECT_GE(server.metric("throng_server_store_retention_deleted_total"), 7000);
}

TEST(PostgresStore, SeededMonthsOfHistoryAreServedAndRetentionTrimsThem) {
  const std::string dir = make_temp_dir();
  const removed_unless_failed cleanup{dir};
  postgres_service pg(dir);
  const auto seeded = run_command({bin_dir() + "/throng-server", "seed", "--store", pg.url(), "--months", "2", "--rooms",
                                   "20", "--rate", "0.005", "--users", "50", "--seed", "3"},
                                  120s);
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  const auto total = std::stoull(pg.query("SELECT count(*) FROM messages"));
  EXPECT_NE(seeded.err.find("seeded " + std::to_string(total) + " messages into PostgreSQL"), std::string::npos) << seeded.err;
  EXPECT_GT(total, 20000u);
  EXPECT_GE(std::stoi(pg.query("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
                               "WHERE p.relname = 'messages'")),
            60)
      << "a day partition per day of history";
  const auto newest_room0 = std::stoull(pg.query("SELECT max(seq) FROM messages WHERE room = 'room-0'"));

  server_process server(dir, {"--store", pg.url(), "--retention", "30d", "--retention-interval", "200ms"});
  ASSERT_NE(server.port, 0);
  ws_test_client c(server.port, wire_format::binary);
  c.hello();
  const auto history = c.join("room-0");
  ASSERT_EQ(history.messages_size(), 10);
  EXPECT_EQ(history.messages(9).seq(), newest_room0);
  EXPECT_EQ(c.send_acked("room-0", 1).begin()->second, newest_room0 + 1);

  // Everything older than 30 days goes: whole day partitions, then the rows of the boundary day.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (pg.query("SELECT count(*) FROM messages WHERE created_at < now() - interval '30 days'") != "0" &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  EXPECT_EQ(pg.query("SELECT count(*) FROM messages WHERE created_at < now() - interval '30 days'"), "0");
  const auto kept = std::stoull(pg.query("SELECT count(*) FROM messages"));
  EXPECT_GT(kept, total * 4 / 10) << "retention deleted recent history too";
  EXPECT_LT(kept, total * 6 / 10);
  EXPECT_GE(server.metric("throng_server_store_partitions_dropped_total"), 25);
}

TEST(ScaleOutBadInput, UnreachableOrRefusingRedisAndPostgresStopAtStartWithAClearMessage) {
  const std::string dir = make_temp_dir();
  const removed_unless_failed cleanup{dir};
  const auto closed = std::to_string(free_port());
  const auto bin = bin_dir() + "/throng-server";
  auto r = run_command({bin, "--port", "0", "--store", "memory", "--bus", "redis://127.0.0.1:" + closed}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot reach Redis at 127.0.0.1:" + closed), std::string::npos) << r.err;

  r = run_command({bin, "--port", "0", "--store", "postgres://throng:secret@127.0.0.1:" + closed + "/chat"}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot connect to PostgreSQL at postgres://throng:***@127.0.0.1:" + closed), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << "the password was printed";

  r = run_command({bin, "--port", "0", "--store", "sqlite", "--store", "postgres://x"}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("only PostgreSQL URLs repeat"), std::string::npos) << r.err;

  // A Redis that wants a password: none, a wrong one, the right one.
  redis_service locked(dir, "bus-pass-7");
  const auto locked_at = "127.0.0.1:" + std::to_string(locked.port);
  r = run_command({bin, "--port", "0", "--store", "memory", "--bus", "redis://" + locked_at}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("NOAUTH"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("redis://:password@host:port"), std::string::npos) << r.err;
  r = run_command({bin, "--port", "0", "--store", "memory", "--bus", "redis://:wrong@" + locked_at}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("WRONGPASS"), std::string::npos) << r.err;
  {
    server_process authed(dir, {"--store", "memory", "--bus", locked.url()});
    ASSERT_NE(authed.port, 0);
    ws_test_client c(authed.port, wire_format::binary);
    c.hello();
    c.join("locked");
    EXPECT_EQ(c.send_acked("locked", 3).size(), 3u);
    EXPECT_EQ(read_file(dir + "/server.log.err").find("bus-pass-7"), std::string::npos) << "the password was logged";
  }

  r = run_command({bin, "--port", "0", "--store", "memory", "--retention", "30d"}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--retention applies to --store postgres"), std::string::npos) << r.err;

  r = run_command({bin, "--port", "0", "--store", "memory", "--store-max-size", "1GiB"}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--store-max-size caps a SQLite file"), std::string::npos) << r.err;

  r = run_command({bin, "--port", "0", "--bus", "redis://127.0.0.1:1", "--bus-stream-length", "5"}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--bus-stream-length"), std::string::npos) << r.err;

  r = run_command({bin, "--port", "0", "--bus", "nats://x"}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("use local or redis://host:port"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace throng::test
