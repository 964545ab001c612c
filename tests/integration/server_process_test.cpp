// throng-server as users run it: killed with SIGKILL and restarted, split
// into auth and chat services, started on a seeded store.
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/ws_test_client.hpp"

namespace throng::test {
namespace {

using nlohmann::json;

std::string server_bin() { return bin_dir() + "/throng-server"; }

// seq -> body of every message the store holds for `room`.
std::map<std::uint64_t, std::string> stored_messages(const std::string& db_path, const std::string& room) {
  std::map<std::uint64_t, std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT seq, body FROM messages WHERE room = ?", -1, &s, nullptr);
  sqlite3_bind_text(s, 1, room.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(s) == SQLITE_ROW)
    out[static_cast<std::uint64_t>(sqlite3_column_int64(s, 0))] =
        std::string(static_cast<const char*>(sqlite3_column_blob(s, 1)), sqlite3_column_bytes(s, 1));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

TEST(ServerProcess, KillNineLosesNoAckedMessageAndNeverReusesASeq) {
  const auto dir = make_temp_dir();
  std::map<std::uint64_t, std::string> acked;  // seq -> body
  {
    server_process server(dir);
    ASSERT_NE(server.port, 0);
    ASSERT_EQ(http_call(server.port, http::verb::post, "/api/register", R"({"user": "erin", "password": "survives-crash"})").status,
              201);
    ws_test_client c(server.port, wire_format::binary);
    c.hello();
    c.join("crash");
    // Many sends in flight; kill the server while acks are still coming.
    for (int i = 1; i <= 3000; ++i) c.send(send_frame("crash", "body-" + std::to_string(i), i));
    while (acked.size() < 500) {
      auto ack = c.read_until(chat::ServerFrame::kAck);
      ASSERT_TRUE(ack);
      acked[ack->ack().seq()] = "body-" + std::to_string(ack->ack().client_seq());
    }
    EXPECT_EQ(server.process->stop(SIGKILL), 128 + SIGKILL);
  }
  const auto stored = stored_messages(dir + "/chat.db", "crash");
  for (const auto& [seq, body] : acked) {
    auto it = stored.find(seq);
    ASSERT_NE(it, stored.end()) << "acked seq " << seq << " is not in the store";
    EXPECT_EQ(it->second, body);
  }

  server_process restarted(dir);
  ASSERT_NE(restarted.port, 0);
  EXPECT_EQ(http_call(restarted.port, http::verb::post, "/api/login", R"({"user": "erin", "password": "survives-crash"})").status,
            200);
  ws_test_client c(restarted.port, wire_format::json);
  c.hello();
  const auto replay = c.join("crash", 1);
  std::map<std::uint64_t, std::string> replayed;
  for (const auto& m : replay.messages()) replayed[m.seq()] = m.body();
  // The replay holds the newest --max-replay (1000) messages after seq 1.
  const std::uint64_t oldest_replayed = stored.rbegin()->first > 1000 ? stored.rbegin()->first - 999 : 2;
  for (const auto& [seq, body] : acked) {
    if (seq < oldest_replayed) continue;
    EXPECT_EQ(replayed[seq], body) << seq;
  }
  c.send(send_frame("crash", "after", 1));
  auto ack = c.read_until(chat::ServerFrame::kAck);
  ASSERT_TRUE(ack);
  EXPECT_GT(ack->ack().seq(), stored.rbegin()->first) << "a seq that may have been seen is never reused";
  std::filesystem::remove_all(dir);
}

// Acked on receipt, `count` sends to `room`, then kill -9: the highest seq acked.
std::uint64_t acked_then_killed(const std::string& dir, std::vector<std::string> flags, const std::string& room,
                                int count) {
  server_process server(dir, std::move(flags));
  EXPECT_NE(server.port, 0);
  ws_test_client c(server.port, wire_format::binary);
  c.hello();
  c.join(room);
  std::uint64_t highest = 0;
  for (const auto& [client_seq, seq] : c.send_acked(room, count)) highest = std::max(highest, seq);
  EXPECT_EQ(server.process->stop(SIGKILL), 128 + SIGKILL);
  return highest;
}

// After a restart on `dir`: how many messages a join of `room` replays, and the seq of a new send.
std::pair<int, std::uint64_t> restarted_join_and_send(const std::string& dir, const std::string& room) {
  server_process restarted(dir);
  EXPECT_NE(restarted.port, 0);
  ws_test_client c(restarted.port, wire_format::binary);
  c.hello();
  const int replayed = c.join(room).messages_size();
  c.send(send_frame(room, "after", 1));
  auto ack = c.read_until(chat::ServerFrame::kAck);
  EXPECT_TRUE(ack);
  return {replayed, ack ? ack->ack().seq() : 0};
}

TEST(ServerProcess, AcceptedModeNeverReusesASeqAfterACrash) {
  const auto dir = make_temp_dir();
  // Acked on receipt: some of these may not be committed when the process dies.
  const auto highest_acked = acked_then_killed(dir, {"--ack", "accepted"}, "fast", 200);
  const auto [replayed, seq] = restarted_join_and_send(dir, "fast");
  EXPECT_GT(seq, highest_acked) << "a seq a client may have seen is never reused";
  // The mechanism: after an unclean stop in accepted mode, seq jumps past
  // anything that could have been acked but not committed.
  EXPECT_GE(seq, highest_acked + 1000);
  std::filesystem::remove_all(dir);
}

TEST(ServerProcess, AcceptedModeNeverReusesASeqEvenWhenNothingWasCommitted) {
  const auto dir = make_temp_dir();
  // Commits wait 60 s: every ack runs ahead of the store, and the room never reaches it.
  const auto highest_acked = acked_then_killed(
      dir, {"--ack", "accepted", "--commit-delay-ms", "60000", "--commit-messages", "100000"}, "uncommitted", 50);
  const auto [replayed, seq] = restarted_join_and_send(dir, "uncommitted");
  EXPECT_EQ(replayed, 0) << "nothing was committed";
  EXPECT_GT(seq, highest_acked) << "a seq a client may have seen is never reused";
  std::filesystem::remove_all(dir);
}

TEST(ServerProcess, AuthAndChatRunAsSeparateServices) {
  const auto dir = make_temp_dir();
  std::filesystem::create_directories(dir + "/auth");
  std::filesystem::create_directories(dir + "/chat");
  server_process auth(dir + "/auth", {"--role", "auth", "--token-secret", "shared-secret"});
  server_process chat(dir + "/chat", {"--role", "chat", "--token-secret", "shared-secret"});
  ASSERT_NE(auth.port, 0);
  ASSERT_NE(chat.port, 0);
  const auto created =
      http_call(auth.port, http::verb::post, "/api/register", R"({"user": "frank", "password": "two-services"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto token = json::parse(created.body).at("token").get<std::string>();

  ws_test_client c(chat.port, wire_format::json);
  const auto welcome = c.hello({}, token);
  EXPECT_EQ(welcome.user(), "frank");
  EXPECT_TRUE(welcome.can_send());

  const auto no_api = http_call(chat.port, http::verb::post, "/api/login", R"({"user": "frank", "password": "two-services"})");
  EXPECT_EQ(no_api.status, 404);
  EXPECT_NE(no_api.body.find("--role auth"), std::string::npos);
  EXPECT_THROW(ws_test_client(auth.port, wire_format::json), std::exception);

  // Without a shared secret each service signs with its own store's secret: both say so at the start.
  for (const char* role : {"auth", "chat"}) {
    const auto own = dir + "/" + role + "-alone";
    std::filesystem::create_directories(own);
    server_process alone(own, {"--role", role});
    ASSERT_NE(alone.port, 0);
    EXPECT_NE(read_file(own + "/server.log.err").find(std::string("--role ") + role + " without --token-secret"),
              std::string::npos)
        << read_file(own + "/server.log.err");
  }
  EXPECT_EQ(read_file(dir + "/chat/server.log.err").find("without --token-secret"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ServerProcess, SeedFillsAStoreTheServerThenServes) {
  const auto dir = make_temp_dir();
  const auto seeded = run_command({server_bin(), "seed", "--store-path", dir + "/chat.db", "--months", "0.002", "--rooms", "4",
                                   "--rate", "1", "--seed", "7"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  EXPECT_NE(seeded.err.find("seeded 5260 messages"), std::string::npos) << seeded.err;  // 0.002 × 30.44 days at 1/s
  const auto room0 = stored_messages(dir + "/chat.db", "room-0");
  ASSERT_GT(room0.size(), 100u) << "Zipf: room-0 is the busiest";
  EXPECT_EQ(room0.begin()->first, 1u);
  EXPECT_EQ(room0.rbegin()->first, room0.size()) << "seqs are dense from 1";

  server_process server(dir);
  ASSERT_NE(server.port, 0);
  ws_test_client c(server.port, wire_format::binary);
  c.hello();
  const auto history = c.join("room-0");
  ASSERT_EQ(history.messages_size(), 10);
  EXPECT_EQ(history.messages(9).seq(), room0.size());
  c.send(send_frame("room-0", "live", 1));
  auto ack = c.read_until(chat::ServerFrame::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().seq(), room0.size() + 1);
  std::filesystem::remove_all(dir);
}

TEST(ServerProcess, SeedNamesTheFlagItCannotUse) {
  const auto dir = make_temp_dir();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--months", "0"}, "--months must be above 0"},
      {{"--rooms", "0"}, "--rooms must be at least 1"},
      {{"--users", "0"}, "--users must be at least 1"},
      {{"--rate", "0"}, "--rate must be above 0"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> argv = {server_bin(), "seed", "--store-path", dir + "/chat.db"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 2) << flags[0];
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  std::filesystem::remove_all(dir);
}

TEST(ServerProcess, ConfigAndStoreErrorsAreBadInput) {
  const auto dir = make_temp_dir();
  write_file(dir + "/server.yaml", "rooms:\n  - {name: general, transform: sparkle}\n");
  const auto bad_config = run_command({server_bin(), "--config", dir + "/server.yaml", "--port", "0"});
  EXPECT_EQ(bad_config.exit_code, 2);
  EXPECT_NE(bad_config.err.find("server.yaml:2:"), std::string::npos) << bad_config.err;
  const auto bad_store = run_command({server_bin(), "--port", "0", "--store-path", dir + "/missing/dir/chat.db"});
  EXPECT_EQ(bad_store.exit_code, 2);
  EXPECT_NE(bad_store.err.find("cannot open store"), std::string::npos) << bad_store.err;
  const auto shipped = run_command({server_bin(), "--config", std::string(THRONG_SOURCE_DIR) + "/deploy/server.yaml",
                                    "--port", "0", "--store", "memory", "--help"});
  EXPECT_EQ(shipped.exit_code, 0) << shipped.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace throng::test
