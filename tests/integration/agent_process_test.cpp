// throng-agent as users run it, against the real server on loopback: a
// reconnect storm that must lose nothing, the dead-man switch, the target
// allow-list, and source-address spreading past one address's port range.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/ws_test_client.hpp"

namespace throng::test {
namespace {

using nlohmann::json;

std::string agent_bin() { return bin_dir() + "/throng-agent"; }

json summary_of(const std::string& path) {
  const auto text = read_file(path);
  return text.empty() ? json::object() : json::parse(text);
}

// A real server in a temporary directory and standalone agent runs against it.
struct standalone_fixture {
  std::string dir = make_temp_dir();
  server_process server{dir};
  ~standalone_fixture() { std::filesystem::remove_all(dir); }

  // `throng-agent -t 1 run` with `flags`; the summary JSON is read back into `summary`.
  command_result run(std::vector<std::string> flags) {
    std::vector<std::string> argv = {agent_bin(), "-t", "1", "run", "--target", server.url(), "--token-secret",
                                     test_token_secret, "--summary-json", dir + "/summary.json"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto r = run_command(argv, std::chrono::seconds(60));
    summary = summary_of(dir + "/summary.json");
    return r;
  }
  const json& totals() const { return summary.at("totals"); }
  json summary;
};

TEST(AgentProcess, ReconnectStormWithReplayLosesNothing) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  // Half the users drop within 1 s, 1.5 s in, and rejoin with since_seq
  // while everyone keeps sending; the replay must fill every gap.
  const auto r = f.run({"--users", "300", "--rooms", "10", "--rate", "600", "--duration", "4s", "--drain", "2s",
                        "--storm", "1500ms:0.5:1s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("reconnect storm 1"), std::string::npos) << r.err;
  const auto& t = f.totals();
  EXPECT_GE(t.at("reconnects").get<int>(), 100) << "about half of 300 users must have reconnected";
  EXPECT_EQ(t.at("connects").get<int>(), 300 + t.at("reconnects").get<int>());
  EXPECT_EQ(t.at("connect_errors").get<int>(), 0);
  EXPECT_GT(t.at("sent").get<int>(), 2000);
  EXPECT_EQ(t.at("lost").get<int>(), 0) << f.summary.dump(2);
  EXPECT_EQ(t.at("duplicated").get<int>(), 0);
  // Every acked message reached every member of its room, replayed or live.
  EXPECT_GE(t.at("delivered").get<int>(), t.at("expected").get<int>());
  EXPECT_GT(t.at("expected").get<int>(), 0);
  // Every rejoin got its history reply.
  EXPECT_EQ(f.summary.at("latency").at("history").at("count"), t.at("connects"));
}


TEST(AgentProcess, ConnectsArePacedAndEveryPacedUserConnects) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  // 60 users at 40 connects/s: the last one's slot comes 1.5 s in; the run
  // starts once everyone has joined.
  const auto started = std::chrono::steady_clock::now();
  const auto r = f.run({"--users", "60", "--rooms", "6", "--rate", "60", "--connect-rate", "40", "--duration", "1s",
                        "--drain", "500ms"});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& t = f.totals();
  EXPECT_EQ(t.at("connects").get<int>(), 60);
  EXPECT_EQ(t.at("connect_errors").get<int>(), 0) << f.summary.dump(2);
  EXPECT_GE(took, std::chrono::milliseconds(1400 + 1500)) << "connects faster than 40/s";
  EXPECT_LT(took, std::chrono::seconds(15)) << "a paced user must not wait for ever";
  // The connect phase is told: every user in, over the paced 59/40 s.
  const auto& phase = f.summary.at("connect_phase");
  EXPECT_EQ(phase.at("connected"), 60);
  EXPECT_EQ(phase.at("failed"), 0);
  EXPECT_GE(phase.at("seconds").get<double>(), 1.4);
  EXPECT_LT(phase.at("seconds").get<double>(), std::chrono::duration<double>(took).count());
  EXPECT_NE(r.out.find("60 users connected and joined in "), std::string::npos) << r.out;
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_GT(t.at("sent").get<int>(), 30);
  // Every ack also gives the agent's own part of its latency, never more than
  // the whole, or is counted as one whose part is not known.
  const auto& ack = f.summary.at("latency").at("ack");
  const auto& own = f.summary.at("latency").at("agent_added");
  EXPECT_EQ(own.at("count").get<std::uint64_t>() + t.at("agent_added_unknown").get<std::uint64_t>(),
            t.at("acked").get<std::uint64_t>());
  EXPECT_GT(own.at("max_ms").get<double>(), 0);
  for (const char* q : {"p50_ms", "p99_ms", "max_ms"}) EXPECT_LE(own.at(q).get<double>(), ack.at(q).get<double>()) << q;
}


TEST(AgentProcess, ClosedLoopUsersSendAgainOnlyAfterTheirAck) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  const auto r = f.run({"--users", "20", "--rooms", "20", "--send-model", "closed", "--duration", "2s", "--drain", "1s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& t = f.totals();
  EXPECT_GT(t.at("sent").get<int>(), 200);
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("dropped").get<int>(), 0) << "a closed loop has no schedule to miss";
  EXPECT_EQ(t.at("errors").get<int>(), 0) << f.summary.dump(2);
  // Each user is alone in its room: every message comes back to its sender once.
  EXPECT_EQ(t.at("delivered"), t.at("sent"));
  EXPECT_GT(f.summary.at("agent_cpu_s").get<double>(), 0.0);
}


// Messages bigger than the server accepts: it closes each connection with
// 1009, and the run says so, with the server's reason, instead of leaving
// only a count of unacknowledged sends.
TEST(AgentProcess, AServersCloseIsCountedWithItsCodeAndReason) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  const auto r = f.run({"--users", "2", "--rooms", "2", "--rate", "4", "--duration", "1s", "--drain", "1s",
                        "--message-size", "100000"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& t = f.totals();
  EXPECT_EQ(t.at("acked").get<int>(), 0);
  ASSERT_TRUE(t.at("errors_by_code").contains("SERVER_CLOSE_1009")) << f.summary.dump(2);
  EXPECT_GE(t.at("errors_by_code").at("SERVER_CLOSE_1009").get<int>(), 2);
  EXPECT_NE(r.err.find("closed user"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("with code 1009: frame larger than the server accepts"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("error SERVER_CLOSE_1009"), std::string::npos) << r.out;
  // The agent's own closes at the end of a run are not the server's.
  const auto clean = f.run({"--users", "2", "--rooms", "2", "--rate", "4", "--duration", "1s", "--drain", "1s"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(f.totals().at("errors").get<int>(), 0) << f.summary.dump(2);
}

TEST(AgentProcess, SessionChurnWithRegisteredUsersKeepsTheConcurrency) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  // Real accounts (register, then login when taken), sessions of one second:
  // every ended session is replaced by a new user on the same slot.
  const auto r = f.run({"--users", "5", "--rooms", "1", "--rate", "10", "--auth", "register", "--session-duration", "1s",
                        "--duration", "3500ms", "--drain", "1s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& t = f.totals();
  EXPECT_GE(t.at("connects").get<int>(), 15) << "5 slots, a new session every second for 3.5 s";
  EXPECT_EQ(t.at("connect_errors").get<int>(), 0) << f.summary.dump(2);
  EXPECT_GT(t.at("sent").get<int>(), 20);
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("lost").get<int>(), 0);
  EXPECT_EQ(t.at("errors").get<int>(), 0) << f.summary.dump(2);
}


TEST(AgentProcess, OpenModelUsersArriveAtTheRate) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  const auto r = f.run({"--users", "100", "--rooms", "4", "--rate", "100", "--arrival-rate", "20", "--session-duration",
                        "1s", "--duration", "3s", "--drain", "1s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& t = f.totals();
  EXPECT_EQ(t.at("connects").get<int>(), 60) << "20 arrivals a second for 3 s";
  EXPECT_EQ(t.at("lost").get<int>(), 0);
  EXPECT_GT(t.at("sent").get<int>(), 0);
  EXPECT_EQ(t.at("acked"), t.at("sent"));
}


TEST(AgentProcess, BurstsAndPausesShapeAGroupRate) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  // 100 sends/s in total: doubled from 1 s to 2 s, none from 2.5 s to 3.5 s:
  // 100 + 200 + 50 + 0 + 50 sends in 4 s.
  const auto r = f.run({"--users", "7", "--rooms", "3", "--rate", "100", "--send-model", "group", "--duration", "4s",
                        "--drain", "1s", "--burst", "1s:2:1s", "--pause", "2500ms:1s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& t = f.totals();
  EXPECT_NEAR(t.at("sent").get<double>(), 400, 6) << r.err;
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("dropped").get<int>(), 0);
  EXPECT_EQ(t.at("delivered"), t.at("expected"));
}

TEST(AgentProcess, ZipfRoomsAndARampUp) {
  standalone_fixture f;
  ASSERT_NE(f.server.port, 0);
  const auto r = f.run({"--users", "100", "--rooms", "20", "--room-choice", "zipf", "--rooms-per-user", "2",
                        "--ramp-up", "1s", "--duration", "2s", "--drain", "1s", "--rate", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& t = f.totals();
  EXPECT_EQ(t.at("connects").get<int>(), 100);
  EXPECT_EQ(f.summary.at("latency").at("history").at("count").get<int>(), 100);
  EXPECT_GT(t.at("sent").get<int>(), 100);
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("lost").get<int>(), 0);
  EXPECT_EQ(t.at("errors").get<int>(), 0) << f.summary.dump(2);
  // The first second is the ramp: fewer than all users are connected at its end.
  EXPECT_NE(r.err.find("[   1s] users "), std::string::npos);
  EXPECT_EQ(r.err.find("[   1s] users    100"), std::string::npos) << r.err;
}

TEST(AgentProcess, ProcessesAndTargetsSplitTheUsersAndMergeOneSummary) {
  standalone_fixture f;
  const auto second_dir = make_temp_dir();
  server_process second(second_dir);
  ASSERT_NE(f.server.port, 0);
  ASSERT_NE(second.port, 0);
  // Two agent processes, users alternating between two servers; the parent merges.
  const auto r = f.run({"--processes", "2", "--target", second.url(), "--users", "40", "--rooms", "4", "--rate", "80",
                        "--duration", "2s", "--drain", "1s"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("run of 2 processes complete (2 reported)"), std::string::npos) << r.out;
  const auto& t = f.totals();
  EXPECT_EQ(t.at("connects").get<int>(), 40);
  EXPECT_NEAR(t.at("sent").get<double>(), 160, 8);
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("lost").get<int>(), 0);
  EXPECT_EQ(f.server.metric("throng_server_connections_accepted_total"), 20);
  EXPECT_EQ(second.metric("throng_server_connections_accepted_total"), 20);
  // The children's busiest windows reach the merged summary, with its warnings.
  EXPECT_GT(f.summary.at("max_agent_cpu_percent").get<double>(), 0) << f.summary.dump(2);
  EXPECT_TRUE(f.summary.at("warnings").is_array()) << f.summary.dump(2);
  std::filesystem::remove_all(second_dir);
}

TEST(AgentProcess, DeadManSwitchStopsTheLoadWhenTheControllerDies) {
  const auto dir = make_temp_dir();
  server_process server(dir);
  ASSERT_NE(server.port, 0);
  setenv("THRONG_TEST_TOKEN_SECRET", test_token_secret, 1);
  write_file(dir + "/long.yaml", "target: {url: '" + server.url() + "'}\nduration: 60s\nusers: 50\nrooms: 5\nrate: 100/s\n");
  const auto port = std::to_string(free_port());
  auto controller = std::make_unique<background_process>(
      std::vector<std::string>{bin_dir() + "/throng", "run", dir + "/long.yaml", "--agents", "1", "--agent-port", port,
                               "--agent-token", "t0k", "--agent-wait", "20"},
      dir + "/controller.log");
  background_process agent({agent_bin(), "--controller", "ws://127.0.0.1:" + port + "/agents", "--token", "t0k",
                            "--dead-man", "1", "--controller-timeout", "4"},
                           dir + "/agent.log");
  // Wait until the load runs: users connected and messages flowing.
  double messages = 0;
  for (int i = 0; i < 500 && (server.metric("throng_server_connections_open") < 50 || messages < 100); ++i) {
    messages = server.metric("throng_server_messages_total");
    usleep(20'000);
  }
  ASSERT_GE(server.metric("throng_server_connections_open"), 50) << read_file(dir + "/agent.log.err");
  ASSERT_GE(messages, 100);

  EXPECT_EQ(controller->stop(SIGKILL), 128 + SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  // Within the 1 s grace plus a little, the agent has closed every user.
  while (server.metric("throng_server_connections_open") > 0 &&
         std::chrono::steady_clock::now() - killed_at < std::chrono::seconds(5))
    usleep(20'000);
  const auto stopped_after = std::chrono::steady_clock::now() - killed_at;
  EXPECT_EQ(server.metric("throng_server_connections_open"), 0) << read_file(dir + "/agent.log.err");
  EXPECT_GE(stopped_after, std::chrono::milliseconds(900)) << "the load must survive a short controller outage";
  EXPECT_LT(stopped_after, std::chrono::milliseconds(3000));
  const double after_stop = server.metric("throng_server_messages_total");
  usleep(500'000);
  EXPECT_EQ(server.metric("throng_server_messages_total"), after_stop) << "no sends after the switch";
  EXPECT_NE(read_file(dir + "/agent.log.err").find("dead-man switch"), std::string::npos);
  // With no controller to come back to, the agent leaves on its own.
  EXPECT_NE(agent.wait(std::chrono::seconds(10)), -1);
  std::filesystem::remove_all(dir);
}

TEST(AgentProcess, AllowListRefusesAnyOtherTarget) {
  const auto dir = make_temp_dir();
  server_process server(dir);
  ASSERT_NE(server.port, 0);
  // A list replaces the loopback default: this port is not on it.
  const auto r = run_command({agent_bin(), "--allow-target", "127.0.0.1:1", "run", "--target", server.url(), "--users",
                              "1", "--duration", "1s", "--token-secret", test_token_secret},
                             std::chrono::seconds(20));
  EXPECT_EQ(r.exit_code, 2) << "a standalone plan is the user's own input";
  EXPECT_NE(r.err.find("not on this agent's allow-list"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-target 127.0.0.1:" + std::to_string(server.port)), std::string::npos) << r.err;
  EXPECT_EQ(server.metric("throng_server_connections_accepted_total"), 0) << "refused before any connection";
  // Without a list, only loopback targets are allowed.
  const auto remote = run_command({agent_bin(), "run", "--target", "ws://192.0.2.1:7800/ws", "--users", "1", "--duration",
                                   "1s", "--token-secret", test_token_secret},
                                  std::chrono::seconds(20));
  EXPECT_EQ(remote.exit_code, 2);
  EXPECT_NE(remote.err.find("not on this agent's allow-list"), std::string::npos) << remote.err;
  std::filesystem::remove_all(dir);
}

TEST(AgentProcess, CommandLineMistakesAreBadInputWithTheFlagNamed) {
  const auto bad_target = run_command({agent_bin(), "run", "--target", "http://127.0.0.1:7800/", "--users", "1"});
  EXPECT_EQ(bad_target.exit_code, 2);
  EXPECT_NE(bad_target.err.find("--target 'http://127.0.0.1:7800/' is not a ws://host:port/path URL"), std::string::npos)
      << bad_target.err;
  // Caught before the agent splits into processes, not once per child.
  const auto bad_sources = run_command({agent_bin(), "--processes", "2", "--source-ips", "10.0.0.9-10.0.0.1", "run",
                                        "--users", "1", "--token-secret", "s"});
  EXPECT_EQ(bad_sources.exit_code, 2);
  EXPECT_NE(bad_sources.err.find("--source-ips: '10.0.0.9-10.0.0.1' is not an IPv4 range"), std::string::npos)
      << bad_sources.err;
  const auto bad_storm = run_command({agent_bin(), "run", "--storm", "5s:2", "--token-secret", "s"});
  EXPECT_EQ(bad_storm.exit_code, 2);
  EXPECT_NE(bad_storm.err.find("--storm '5s:2': the fraction must be in (0, 1]"), std::string::npos) << bad_storm.err;
}

// In a private network namespace with 400 ephemeral ports, one source
// address cannot hold 1,000 connections to one server; three can.
TEST(AgentProcess, SourceAddressesSpreadConnectionsBeyondOnePortRange) {
  if (geteuid() != 0) GTEST_FAIL() << "needs root for a private network namespace (unshare -n)";
  const auto dir = make_temp_dir();
  write_file(dir + "/netns.sh", R"(set -u
ip link set lo up
echo "40000 40399" > /proc/sys/net/ipv4/ip_local_port_range
"$BIN/throng-server" --port 0 --port-file "$DIR/port" --threads 1 --store memory --test-token-secret "$SECRET" \
  >"$DIR/server.log" 2>&1 &
server=$!
for i in $(seq 100); do [ -s "$DIR/port" ] && break; sleep 0.05; done
url="ws://127.0.0.1:$(cat "$DIR/port")/ws"
run() { "$BIN/throng-agent" -t 1 run --target "$url" --users 1000 --rooms 10 --rate 200 --duration 1s --drain 1s \
  --token-secret "$SECRET" --connect-rate 5000 "$@"; }
run --source-ips 127.0.0.2-127.0.0.4 --summary-json "$DIR/spread.json" >"$DIR/spread.log" 2>&1
echo "spread exit $?"
run --summary-json "$DIR/single.json" >"$DIR/single.log" 2>&1
echo "single exit $?"
kill $server
wait $server
)");
  const auto r = run_command({"/usr/bin/env", "BIN=" + bin_dir(), "DIR=" + dir, std::string("SECRET=") + test_token_secret,
                              "unshare", "-n", "bash", dir + "/netns.sh"},
                             std::chrono::seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("spread exit 0"), std::string::npos) << r.out << read_file(dir + "/spread.log");
  const auto spread = summary_of(dir + "/spread.json");
  ASSERT_TRUE(spread.contains("totals")) << read_file(dir + "/spread.log");
  EXPECT_EQ(spread.at("totals").at("connects").get<int>(), 1000) << read_file(dir + "/spread.log");
  EXPECT_EQ(spread.at("totals").at("connect_errors").get<int>(), 0);
  EXPECT_EQ(spread.at("totals").at("lost").get<int>(), 0);
  // From one address the kernel runs out of ports, and the agent says so by cause.
  const auto single = summary_of(dir + "/single.json");
  ASSERT_TRUE(single.contains("totals")) << read_file(dir + "/single.log");
  EXPECT_LE(single.at("totals").at("connects").get<int>(), 400);
  EXPECT_GT(single.at("totals").at("connect_errors").get<int>(), 0);
  EXPECT_GT(single.at("totals").at("errors_by_code").value("SOURCE_ADDRESS", 0), 0) << single.dump(2);
  // The users that gave up count in the connect phase, beside those that got in.
  EXPECT_EQ(spread.at("connect_phase").at("connected"), 1000) << spread.dump(2);
  EXPECT_GT(single.at("connect_phase").at("failed").get<int>(), 0) << single.dump(2);
  EXPECT_EQ(single.at("connect_phase").at("connected").get<int>() + single.at("connect_phase").at("failed").get<int>(), 1000);
  EXPECT_NE(read_file(dir + "/single.log").find("could not"), std::string::npos) << read_file(dir + "/single.log");
  EXPECT_NE(read_file(dir + "/single.log").find("spread them with --source-ips"), std::string::npos)
      << read_file(dir + "/single.log");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace throng::test
