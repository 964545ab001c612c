// End-to-end runs of the real binaries on loopback: `throng run` with a
// spawned reference server and local agents, remote agents dialling in,
// and the failures a user can cause.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/ws_test_client.hpp"

namespace throng::test {
namespace {

using nlohmann::json;

std::string bin(const char* name) { return bin_dir() + "/" + name; }
std::string scenarios_dir() { return std::string(THRONG_SOURCE_DIR) + "/scenarios"; }

// The scenarios' url targets find the servers' test secret in
// THRONG_TEST_TOKEN_SECRET, which throng inherits.
const bool secret_exported = setenv("THRONG_TEST_TOKEN_SECRET", test_token_secret, 1) == 0;

// What every successful run must show: everything delivered, nothing lost,
// latencies real and plausible.
void expect_clean_run(const json& report, std::uint64_t users) {
  const auto& t = report.at("totals");
  EXPECT_TRUE(report.at("completed").get<bool>());
  EXPECT_GT(t.at("sent").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("delivered"), t.at("expected"));
  EXPECT_EQ(t.at("lost").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("duplicated").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("out_of_order").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("errors").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("dropped").get<std::uint64_t>(), 0u);
  EXPECT_EQ(t.at("connects").get<std::uint64_t>(), users);
  for (const char* metric : {"connect", "ack", "e2e", "history"}) {
    const auto& l = report.at("latency").at(metric);
    EXPECT_GT(l.at("count").get<std::uint64_t>(), 0u) << metric;
    EXPECT_GT(l.at("p50_ms").get<double>(), 0.0) << metric;
    EXPECT_LE(l.at("p50_ms").get<double>(), l.at("p99_ms").get<double>()) << metric;
    EXPECT_LT(l.at("max_ms").get<double>(), 5000.0) << metric << ": generous bound on loopback";
  }
  // e2e compares two offset-corrected clocks: it can only go below zero by their error bounds.
  const double bound_ms = report.at("clock_error_bound_ms").get<double>();
  EXPECT_LT(bound_ms, 50.0);
  EXPECT_GE(report.at("latency").at("e2e").at("min_ms").get<double>(), -2 * bound_ms - 0.001);
}

TEST(Run, SmokeScenarioDeliversEverything) {
  const auto dir = make_temp_dir();
  const auto r = run_command({bin("throng"), "run", scenarios_dir() + "/smoke.yaml", "--report", dir + "/report.json",
                              "--work-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("run complete"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[   1s/10s]"), std::string::npos) << "a progress line each second\n" << r.out;
  EXPECT_NE(r.out.find("e2e"), std::string::npos);
  // How long the users took to get in, before the run started.
  EXPECT_NE(r.err.find("200 users connected and joined in "), std::string::npos) << r.err;
  const auto report = json::parse(read_file(dir + "/report.json"));
  expect_clean_run(report, 200);
  EXPECT_GE(report.at("timeline").size(), 10u);
  // 400 sends/s for 10 s, 50 members per room.
  EXPECT_NEAR(report.at("totals").at("sent").get<double>(), 4000, 40);
  EXPECT_EQ(report.at("totals").at("expected").get<std::uint64_t>(), report.at("totals").at("acked").get<std::uint64_t>() * 50);
  std::filesystem::remove_all(dir);
}

TEST(Run, JsonProtocolTwoAgentsTwoShards) {
  const auto dir = make_temp_dir();
  write_file(dir + "/json.yaml", R"(name: json-two-agents
seed: 7
target: {spawn: reference-server, server_threads: 2, protocol: json}
duration: 3s
graceful_stop: 1s
users: 60
rooms: 3
rate: 120/s
message_size: 100B
dup_factor: 2
agents: 2
)");
  const auto r = run_command({bin("throng"), "run", dir + "/json.yaml", "--report", dir + "/report.json", "--work-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto report = json::parse(read_file(dir + "/report.json"));
  expect_clean_run(report, 60);
  ASSERT_EQ(report.at("agents").size(), 2u);
  EXPECT_EQ(report.at("agents")[0].at("users").get<int>() + report.at("agents")[1].at("users").get<int>(), 60);
  // dup_factor 2: 100-byte bodies went out, every receiver got 200 bytes.
  const auto& t = report.at("totals");
  EXPECT_EQ(t.at("logical_bytes_out").get<std::uint64_t>(), 200 * t.at("sent").get<std::uint64_t>());
  EXPECT_EQ(t.at("logical_bytes_in").get<std::uint64_t>(), 200 * t.at("delivered").get<std::uint64_t>());
  std::filesystem::remove_all(dir);
}

TEST(Run, ShippedReconnectStormLosesNothing) {
  const auto dir = make_temp_dir();
  const auto r = run_command({bin("throng"), "run", scenarios_dir() + "/reconnect-storm.yaml", "--report",
                              dir + "/report.json", "--work-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto report = json::parse(read_file(dir + "/report.json"));
  const auto& t = report.at("totals");
  EXPECT_GT(t.at("reconnects").get<std::uint64_t>(), 30u) << "about 30 % of 300 users dropped and came back";
  EXPECT_EQ(t.at("lost").get<std::uint64_t>(), 0u);
  // A user dropped with a send still unanswered takes it with it: counted as
  // such, never silently. Every other send was acked.
  const auto cut_off = t.at("errors_by_code").value("UNACKED_AT_DISCONNECT", std::uint64_t{0});
  EXPECT_EQ(t.at("errors").get<std::uint64_t>(), cut_off) << t.dump(2);
  EXPECT_EQ(t.at("acked").get<std::uint64_t>() + cut_off, t.at("sent").get<std::uint64_t>());
  EXPECT_LT(cut_off, 30u) << "only sends in flight at the moment of a drop";
  EXPECT_EQ(report.at("verdict"), "pass");
  std::filesystem::remove_all(dir);
}

TEST(Run, ShippedCiGatePasses) {
  const auto dir = make_temp_dir();
  const auto r = run_command({bin("throng"), "run", scenarios_dir() + "/ci-gate.yaml", "--report", dir + "/report.json",
                              "--junit", dir + "/junit.xml", "--work-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto report = json::parse(read_file(dir + "/report.json"));
  EXPECT_EQ(report.at("verdict"), "pass");
  EXPECT_EQ(report.at("thresholds").size(), 6u);
  EXPECT_EQ(report.at("totals").at("delivered"), report.at("totals").at("expected"));
  EXPECT_NE(read_file(dir + "/junit.xml").find("failures=\"0\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Two scenarios (one starting later), groups, a burst and a pause, and a
// threshold that must fail: the CI gate exits 1 and says why in every output.
TEST(Run, GroupsEventsAndFailingThresholdsGateCi) {
  const auto dir = make_temp_dir();
  write_file(dir + "/gate.yaml", R"(name: gate
seed: 9
target: {spawn: reference-server, store: memory}
scenarios:
  chat:
    users: 40
    duration: 4s
    graceful_stop: 1s
    rooms: 2
    rate: 40/s
    groups:
      talkers: {weight: 1}
      lurkers: {weight: 1, send_model: none, auth: anonymous}
  late:
    users: 10
    duration: 2s
    start_time: 2s
    graceful_stop: 1s
    rooms: 1
    room_prefix: late-
    send_model: group
    rate: 20/s
events:
  - {at: 1s, burst: {multiplier: 3, duration: 1s}, scenarios: [chat]}
  - {at: 3s, pause: 1s, scenarios: [chat]}
thresholds:
  lost: ["count == 0"]
  "sent{scenario:late}": ["count >= 30"]
  "e2e{group:chat/talkers}": ["p(50) < 1us"]
)");
  const auto r = run_command({bin("throng"), "run", dir + "/gate.yaml", "--report", dir + "/report.json", "--junit",
                              dir + "/junit.xml", "--markdown", dir + "/summary.md", "--work-dir", dir});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL e2e{group:chat/talkers}: p(50) < 1us"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: FAIL"), std::string::npos) << r.out;
  const auto report = json::parse(read_file(dir + "/report.json"));
  EXPECT_EQ(report.at("verdict"), "fail");
  EXPECT_TRUE(report.at("completed").get<bool>());
  ASSERT_EQ(report.at("agents").size(), 3u) << "one local agent per group";
  const auto& tags = report.at("tags");
  const auto talkers = tags.at("group").at("chat/talkers").at("counters").at("sent").get<double>();
  EXPECT_EQ(tags.at("group").at("chat/lurkers").at("counters").at("sent").get<std::uint64_t>(), 0u) << "lurkers only read";
  // Talkers get half of 40/s (the lurkers' weight takes the other half and sends nothing): 20/s
  // for 4 s, tripled in second 2 (users pick the new pace at their next slot), paused in second 4.
  EXPECT_GE(talkers, 80);
  EXPECT_LE(talkers, 100);
  const auto& timeline = report.at("timeline");
  ASSERT_GE(timeline.size(), 4u);
  const auto sent_in = [&](int window) { return timeline[window].at("counters").at("sent").get<double>(); };
  EXPECT_NEAR(sent_in(0), 20, 2) << "chat alone";
  EXPECT_GE(sent_in(1), 40) << "the burst";
  EXPECT_NEAR(sent_in(2), 40, 4) << "chat, and late from 2 s at 20/s";
  EXPECT_NEAR(sent_in(3), 20, 2) << "chat paused: late alone";
  const auto late = tags.at("scenario").at("late").at("counters").at("sent").get<double>();
  EXPECT_NEAR(late, 40, 4) << "20/s for 2 s, starting 2 s in";
  EXPECT_EQ(report.at("totals").at("lost").get<std::uint64_t>(), 0u);
  // Talkers and lurkers share rooms: every agent's `expected` counts the other group's members too.
  EXPECT_EQ(report.at("totals").at("delivered"), report.at("totals").at("expected"));
  EXPECT_GT(report.at("totals").at("expected").get<std::uint64_t>(), 0u);
  ASSERT_EQ(report.at("thresholds").size(), 3u);
  EXPECT_TRUE(report.at("thresholds")[0].at("passed").get<bool>());
  EXPECT_TRUE(report.at("thresholds")[1].at("passed").get<bool>());
  EXPECT_FALSE(report.at("thresholds")[2].at("passed").get<bool>());
  const auto junit = read_file(dir + "/junit.xml");
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<failure message=\"e2e{group:chat/talkers}: p(50) &lt; 1us failed\""), std::string::npos) << junit;
  EXPECT_NE(read_file(dir + "/summary.md").find("❌ fail"), std::string::npos);

  // The saved report re-renders with the same verdict, and compares with itself cleanly.
  const auto again = run_command({bin("throng"), "report", dir + "/report.json"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("verdict: FAIL"), std::string::npos) << again.out;
  const auto same = run_command({bin("throng"), "compare", dir + "/report.json", dir + "/report.json"});
  EXPECT_EQ(same.exit_code, 0) << same.out;
  EXPECT_NE(same.out.find("no regression"), std::string::npos) << same.out;
  write_file(dir + "/not-a-report.json", "{\"hello\": 1}");
  const auto foreign = run_command({bin("throng"), "compare", dir + "/report.json", dir + "/not-a-report.json"});
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.err.find("not a Throng JSON report"), std::string::npos) << foreign.err;
  std::filesystem::remove_all(dir);
}

TEST(Run, AbortOnFailStopsTheRunEarly) {
  const auto dir = make_temp_dir();
  write_file(dir + "/abort.yaml", R"(target: {spawn: reference-server, store: memory}
users: 10
duration: 30s
rate: 10/s
thresholds:
  ack: [{threshold: "max < 1us", abort_on_fail: true}]
)");
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_command({bin("throng"), "run", dir + "/abort.yaml", "--report", dir + "/report.json", "--work-dir", dir});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15)) << "aborted, not run for 30 s";
  EXPECT_NE(r.err.find("threshold ack: max < 1us failed"), std::string::npos) << r.err;
  const auto report = json::parse(read_file(dir + "/report.json"));
  EXPECT_FALSE(report.at("completed").get<bool>());
  EXPECT_EQ(report.at("totals").at("acked"), report.at("totals").at("sent")) << "what was sent is still counted";
  std::filesystem::remove_all(dir);
}

TEST(Run, RemoteAgentsDialInWithToken) {
  const auto dir = make_temp_dir();
  server_process server(dir);
  ASSERT_NE(server.port, 0);
  write_file(dir + "/remote.yaml", "target: {url: '" + server.url() + "'}\nduration: 3s\ngraceful_stop: 1s\nusers: 20\nrooms: 2\n"
                                   "rate: 40/s\nthresholds: {lost: ['count == 0']}\n");

  const auto port = std::to_string(free_port());
  background_process controller({bin("throng"), "run", dir + "/remote.yaml", "--agents", "2", "--agent-port", port,
                                 "--agent-token", "s3cret", "--report", dir + "/report.json", "--agent-wait", "20"},
                                dir + "/controller.log");
  const auto url = "ws://127.0.0.1:" + port + "/agents";
  background_process a1({bin("throng-agent"), "--controller", url, "--token", "s3cret", "--id", "east-1", "--region", "us-east-1"},
                        dir + "/a1.log");
  const auto agent_metrics_port = free_port();
  background_process a2({bin("throng-agent"), "--controller", url, "--token", "s3cret", "--id", "west-1", "--region", "us-west-2",
                         "--metrics-port", std::to_string(agent_metrics_port)},
                        dir + "/a2.log");
  // Both controller and agent serve Prometheus metrics while the run goes on.
  std::string controller_metrics, agent_metrics;
  for (int i = 0; i < 250; ++i) {
    controller_metrics = http_get(static_cast<unsigned short>(std::stoi(port)), "/metrics");
    if (controller_metrics.find("throng_controller_agents_connected 2") != std::string::npos) break;
    usleep(20'000);
  }
  EXPECT_NE(controller_metrics.find("throng_controller_agents_connected 2"), std::string::npos) << controller_metrics;
  for (int i = 0; i < 250 && agent_metrics.find("throng_agent_clock_offset_seconds") == std::string::npos; ++i) {
    agent_metrics = http_get(agent_metrics_port, "/metrics");
    usleep(20'000);
  }
  EXPECT_NE(agent_metrics.find("throng_agent_sent_total"), std::string::npos) << agent_metrics;
  EXPECT_NE(agent_metrics.find("throng_agent_clock_offset_seconds"), std::string::npos) << agent_metrics;
  // Once a second of the run is merged, every metric the Grafana dashboard queries is served.
  for (int i = 0; i < 250 && controller_metrics.find("throng_threshold_passing") == std::string::npos; ++i) {
    controller_metrics = http_get(static_cast<unsigned short>(std::stoi(port)), "/metrics");
    usleep(20'000);
  }
  const auto server_metrics = http_get(server.port, "/metrics");
  const auto dashboard = json::parse(read_file(std::string(THRONG_SOURCE_DIR) + "/deploy/grafana/throng-run.json"));
  std::size_t queried = 0;
  for (const auto& panel : dashboard.at("panels"))
    for (const auto& target : panel.at("targets")) {
      const auto expr = target.at("expr").get<std::string>();
      for (std::size_t at = expr.find("throng_"); at != std::string::npos; at = expr.find("throng_", at + 1)) {
        const auto end = expr.find_first_not_of("abcdefghijklmnopqrstuvwxyz_", at);
        const auto name = expr.substr(at, end - at);
        const auto& served = name.rfind("throng_server_", 0) == 0 ? server_metrics
                             : name.rfind("throng_agent_", 0) == 0 ? agent_metrics
                                                                   : controller_metrics;
        EXPECT_NE(served.find(name), std::string::npos) << panel.at("title") << ": " << name << " is not exported";
        ++queried;
      }
    }
  EXPECT_GE(queried, 10u);
  ASSERT_EQ(controller.wait(std::chrono::seconds(60)), 0) << read_file(dir + "/controller.log") << read_file(dir + "/controller.log.err");
  const auto report = json::parse(read_file(dir + "/report.json"));
  expect_clean_run(report, 20);
  // Agents leave when the controller ends the link.
  EXPECT_EQ(a1.wait(std::chrono::seconds(10)), 0) << read_file(dir + "/a1.log.err");
  EXPECT_EQ(a2.wait(std::chrono::seconds(10)), 0);
  std::filesystem::remove_all(dir);
}

// An agent killed mid-run: with on_agent_loss: degrade the run carries on
// and says what is missing; with abort (the default) it stops with exit 3.
void run_losing_an_agent(const std::string& policy, int expected_exit) {
  const auto dir = make_temp_dir();
  server_process server(dir);
  ASSERT_NE(server.port, 0);
  write_file(dir + "/loss.yaml", "target: {url: '" + server.url() + "'}\non_agent_loss: " + policy +
                                     "\nusers: 20\nrooms: 2\nrate: 20/s\nduration: 6s\ngraceful_stop: 1s\n");
  const auto port = std::to_string(free_port());
  background_process controller({bin("throng"), "run", dir + "/loss.yaml", "--agents", "2", "--agent-port", port,
                                 "--agent-token", "t", "--report", dir + "/report.json", "--agent-wait", "20"},
                                dir + "/controller.log");
  const auto url = "ws://127.0.0.1:" + port + "/agents";
  background_process keeper({bin("throng-agent"), "--controller", url, "--token", "t", "--id", "keeper"}, dir + "/a1.log");
  background_process victim({bin("throng-agent"), "--controller", url, "--token", "t", "--id", "victim"}, dir + "/a2.log");
  for (int i = 0; i < 500 && read_file(dir + "/controller.log").find("[   2s") == std::string::npos; ++i) usleep(20'000);
  victim.stop(SIGKILL);
  EXPECT_EQ(controller.wait(std::chrono::seconds(30)), expected_exit) << read_file(dir + "/controller.log");
  const auto out = read_file(dir + "/controller.log");
  EXPECT_NE(out.find("agent victim (10 users of group loss/default) disconnected during the run"), std::string::npos) << out;
  const auto report = json::parse(read_file(dir + "/report.json"));
  EXPECT_EQ(report.at("degraded").get<bool>(), policy == "degrade");
  EXPECT_EQ(report.at("completed").get<bool>(), policy == "degrade");
  // The survivor's whole share is there: 10 users at 1/s each for 6 s.
  EXPECT_GE(report.at("totals").at("sent").get<std::uint64_t>(), policy == "degrade" ? 60u : 20u);
  std::filesystem::remove_all(dir);
}

TEST(Run, LostAgentDegradesTheRunWhenAskedTo) { run_losing_an_agent("degrade", 0); }
TEST(Run, LostAgentAbortsTheRunByDefault) { run_losing_an_agent("abort", 3); }

TEST(Run, InterruptKeepsWhatWasMeasured) {
  const auto dir = make_temp_dir();
  write_file(dir + "/long.yaml", "target: {spawn: reference-server}\nduration: 60s\nusers: 20\nrooms: 2\nrate: 100/s\n");
  background_process controller({bin("throng"), "run", dir + "/long.yaml", "--report", dir + "/report.json", "--work-dir", dir},
                                dir + "/out");
  // Wait until the run is under way (the first progress line), then Ctrl-C.
  for (int i = 0; i < 300 && read_file(dir + "/out").find("sent") == std::string::npos; ++i) usleep(20'000);
  usleep(1'500'000);
  EXPECT_EQ(controller.stop(SIGINT, std::chrono::seconds(15)), 3) << "aborted runs exit 3";
  EXPECT_NE(read_file(dir + "/out").find("run ABORTED"), std::string::npos);
  const auto report = json::parse(read_file(dir + "/report.json"));
  EXPECT_FALSE(report.at("completed").get<bool>());
  const auto& t = report.at("totals");
  EXPECT_GT(t.at("sent").get<std::uint64_t>(), 100u) << "what was sent before the interrupt is kept";
  EXPECT_EQ(t.at("acked"), t.at("sent"));
  EXPECT_EQ(t.at("delivered"), t.at("expected"));
  std::filesystem::remove_all(dir);
}

TEST(Run, WrongAgentTokenIsRefusedClearly) {
  const auto port = std::to_string(free_port());
  const auto dir = make_temp_dir();
  write_file(dir + "/s.yaml", "target: {url: 'ws://127.0.0.1:9/ws'}\nduration: 1s\nusers: 1\n");
  background_process controller({bin("throng"), "run", dir + "/s.yaml", "--agents", "1", "--agent-port", port,
                                 "--agent-token", "right", "--agent-wait", "3"},
                                dir + "/controller.log");
  usleep(300'000);
  const auto agent = run_command({bin("throng-agent"), "--controller", "ws://127.0.0.1:" + port + "/agents", "--token",
                                  "wrong", "--controller-timeout", "5"});
  EXPECT_EQ(agent.exit_code, 2) << agent.err;
  EXPECT_NE(agent.err.find("refused the agent token"), std::string::npos) << agent.err;
  EXPECT_EQ(controller.wait(std::chrono::seconds(15)), 3);
  EXPECT_NE(read_file(dir + "/controller.log.err").find("only 0 of 1 agents connected"), std::string::npos)
      << read_file(dir + "/controller.log.err");
  // Named agents: the timeout says which are missing.
  const auto named = run_command({bin("throng"), "run", dir + "/s.yaml", "--expect-agents", "eu-1,us-1", "--agent-token",
                                  "right", "--agent-wait", "1"});
  EXPECT_EQ(named.exit_code, 3);
  EXPECT_NE(named.err.find("only 0 of 2 agents connected within 1s (connected: none; missing: eu-1, us-1)"),
            std::string::npos) << named.err;
  std::filesystem::remove_all(dir);
}

// Runs `throng run` on a scenario given as text, in local mode.
command_result run_scenario_text(const std::string& yaml) {
  const auto dir = make_temp_dir();
  write_file(dir + "/s.yaml", yaml);
  auto r = run_command({bin("throng"), "run", dir + "/s.yaml", "--work-dir", dir});
  std::filesystem::remove_all(dir);
  return r;
}

TEST(Run, UnreachableTargetAbortsWithExitCode3) {
  const auto r = run_scenario_text("target: {url: 'ws://127.0.0.1:1/ws'}\nduration: 2s\nusers: 3\nrate: 3/s\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no user could connect to the target ws://127.0.0.1:1/ws"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
}

TEST(Run, ATokenSecretTheServerDoesNotShareIsNamedAsTheCause) {
  const auto dir = make_temp_dir();
  server_process server(dir);
  ASSERT_NE(server.port, 0);
  const auto r = run_scenario_text("target: {url: '" + server.url() +
                                   "', test_token_secret: not-the-servers}\nduration: 2s\nusers: 3\nrate: 3/s\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no user could connect to the target " + server.url()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("must be the server's --test-token-secret"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("is the server running"), std::string::npos) << "the server answered: " << r.err;
  std::filesystem::remove_all(dir);
}

TEST(Run, AgentBeyondMaxCpuAbortsWithExitCode3) {
  const auto r = run_scenario_text("target: {spawn: reference-server, store: memory}\nmax_agent_cpu: 0.001%\nusers: 20\n"
                                   "rate: 50/s\nduration: 20s\n");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("beyond max_agent_cpu"), std::string::npos) << r.err;
}

TEST(Run, TargetFlagOverridesTheScenario) {
  const auto r = run_command({bin("throng"), "run", scenarios_dir() + "/smoke.yaml", "--target", "ws://127.0.0.1:1/ws"});
  EXPECT_EQ(r.exit_code, 3) << "smoke.yaml spawns a server; --target must replace it";
  EXPECT_NE(r.err.find("no user could connect to the target ws://127.0.0.1:1/ws"), std::string::npos) << r.err;
  const auto bad = run_command({bin("throng"), "run", scenarios_dir() + "/smoke.yaml", "--target", "http://x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--target"), std::string::npos) << bad.err;
}

TEST(Run, MoreUsersThanAgentsCanCarryIsBadInput) {
  // One local agent may hold about 20k sockets here; 50k users need more agents.
  const auto r = run_scenario_text("target: {url: 'ws://127.0.0.1:1/ws'}\nduration: 1s\nusers: 50k\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("can carry"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("raise `agents:`"), std::string::npos) << r.err;
}

TEST(Run, ForeignTargetIsRefusedByTheAgentAllowList) {
  // 192.0.2.0/24 is reserved for documentation: nothing is contacted, the agent refuses first.
  const auto r = run_scenario_text("target: {url: 'ws://192.0.2.1:80/ws'}\nduration: 1s\nusers: 1\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("not on this agent's allow-list"), std::string::npos) << r.err;
}

TEST(Cli, BadScenarioExits2WithEveryLocation) {
  const auto dir = make_temp_dir();
  write_file(dir + "/bad.yaml", "target:\n  url: http://x\nduration: 10\nuserz: 5\n");
  for (const char* command : {"run", "validate"}) {
    const auto r = run_command({bin("throng"), command, dir + "/bad.yaml"});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find("bad.yaml:2:8: target.url:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("bad.yaml:3:11: duration:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("bad.yaml:4:1: userz: unknown field; did you mean 'users'?"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("users: is required"), std::string::npos) << r.err;
  }
  std::filesystem::remove_all(dir);
}

TEST(Cli, ShippedScenariosValidate) {
  std::vector<std::string> argv = {bin("throng"), "validate"};
  for (const auto& e : std::filesystem::directory_iterator(scenarios_dir()))
    if (e.path().extension() == ".yaml") argv.push_back(e.path().string());
  const auto r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Cli, EveryBinaryHasHelpAndRejectsBadFlags) {
  for (const char* b : {"throng", "throng-server", "throng-agent"}) {
    const auto help = run_command({bin(b), "--help"});
    EXPECT_EQ(help.exit_code, 0) << b;
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << b << help.out;
    const auto bad = run_command({bin(b), "--no-such-flag"});
    EXPECT_EQ(bad.exit_code, 2) << b;
  }
  EXPECT_EQ(run_command({bin("throng"), "run"}).exit_code, 2) << "scenario file is required";
  const auto bad_size = run_command({bin("throng-server"), "--max-message-bytes", "lots"});
  EXPECT_EQ(bad_size.exit_code, 2);
  EXPECT_NE(bad_size.err.find("64KiB"), std::string::npos);
}

// A count out of its range is refused at once with the flag named: a negative
// one must not wrap around to 2^64 - 5 (an agent asked for that many users spun
// forever counting them; every unsigned flag refuses a sign), and an absurd one
// must not start that much work.
TEST(Cli, CountsOutOfRangeAreBadInputNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{bin("throng-agent"), "run", "--users", "-5", "--token-secret", "s"}, "--users: must not be negative"},
      {{bin("throng-agent"), "run", "--seed", "-5", "--token-secret", "s"}, "--seed: must not be negative"},
      {{bin("throng-agent"), "run", "--users", "100000001", "--token-secret", "s"}, "--users must be from 1 to 100000000"},
      {{bin("throng-agent"), "-t", "5000"}, "--threads: Value 5000 not in range 0 to 1024"},
      {{bin("throng-agent"), "--capacity", "0"}, "--capacity: Value 0 not in range"},
      {{bin("throng-agent"), "--processes", "20000"}, "--processes: Value 20000 not in range"},
      {{bin("throng-server"), "--history", "-5"}, "--history: Value -5 not in range 0 to 10000"},
      {{bin("throng-server"), "--max-replay", "200000"}, "--max-replay: Value 200000 not in range"},
      {{bin("throng-server"), "--commit-messages", "0"}, "--commit-messages: Value 0 not in range 1 to 1000000"},
      {{bin("throng-server"), "--max-connections", "-5"}, "--max-connections: Value -5 not in range"},
      {{bin("throng-server"), "--threads", "2000"}, "--threads: Value 2000 not in range 0 to 1024"},
      // A port past 65535 is named as such, not as an unconvertible value.
      {{bin("throng-server"), "--port", "99999"}, "--port: Value 99999 not in range 0 to 65535"},
      {{bin("throng-agent"), "--metrics-port", "70000"}, "--metrics-port: Value 70000 not in range 0 to 65535"},
      {{bin("throng-panel"), "--metrics-port", "65536"}, "--metrics-port: Value 65536 not in range 0 to 65535"},
      {{bin("throng"), "run", scenarios_dir() + "/smoke.yaml", "--agent-port", "65536"},
       "--agent-port: Value 65536 not in range 0 to 65535"},
      {{bin("throng"), "run", scenarios_dir() + "/smoke.yaml", "--local-agents", "100000"},
       "--local-agents: Value 100000 not in range 1 to 256"},
      {{bin("throng"), "run", scenarios_dir() + "/smoke.yaml", "--scale", "900000"},
       "--scale 900000 makes 180000000 user slots; a run has at most 100000000"},
      {{bin("throng"), "plan", scenarios_dir() + "/smoke.yaml", "--users-per-agent", "-5"},
       "--users-per-agent: Value -5 not in range 1 to 100000000"},
  };
  for (const auto& [argv, message] : cases) {
    const auto r = run_command(argv, std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 2) << argv[0] << " " << argv[1] << " " << argv[2] << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  // The server's config file holds the same bounds as its flags.
  const auto dir = make_temp_dir();
  write_file(dir + "/server.yaml", "rooms:\n  - {name: lobby, history: 20000}\n");
  const auto deep = run_command({bin("throng-server"), "--config", dir + "/server.yaml", "--store", "memory"});
  EXPECT_EQ(deep.exit_code, 2);
  EXPECT_NE(deep.err.find("server.yaml:2:28: rooms[].history: 20000 is more than the 10000 allowed"), std::string::npos)
      << deep.err;
  std::filesystem::remove_all(dir);
}

TEST(Cli, AnUnwritableResultPathIsBadInputBeforeTheRun) {
  const std::string dir = "/nonexistent-throng-dir";
  const std::string why = "cannot create files in " + dir + ": No such file or directory";
  const auto smoke = scenarios_dir() + "/smoke.yaml";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{bin("throng"), "run", smoke, "--report", dir + "/r.json"}, "throng run: --report: " + why},
      {{bin("throng"), "run", smoke, "--junit", dir + "/j.xml"}, "throng run: --junit: " + why},
      {{bin("throng"), "run", smoke, "--markdown", dir + "/s.md"}, "throng run: --markdown: " + why},
      {{bin("throng"), "run", smoke, "--report", "/tmp"}, "throng run: --report: /tmp is a directory; give a file name"},
      {{bin("throng"), "run", smoke, "--work-dir", "/proc/throng"},
       "throng run: --work-dir /proc/throng: cannot create it: No such file or directory"},
      {{bin("throng"), "report", "any.json", "--markdown", dir + "/s.md"}, "throng report: --markdown: " + why},
      {{bin("throng"), "serve", "--operator-port", std::to_string(free_port()), "--operator-token", "t", "--report",
        dir + "/r.json"},
       "throng serve: --report: " + why},
      {{bin("throng-agent"), "run", "--target", "ws://127.0.0.1:1/ws", "--token-secret", "s", "--duration", "60s",
        "--summary-json", dir + "/s.json"},
       "throng-agent: --summary-json: " + why},
  };
  for (const auto& [argv, message] : cases) {
    const auto began = std::chrono::steady_clock::now();
    const auto r = run_command(argv, std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 2) << argv[1] << " " << argv[2] << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5)) << "refused before the run, not after it";
  }
}

TEST(Run, AResultThatCannotBeWrittenAtTheEndFailsTheRun) {
  const auto dir = make_temp_dir();
  std::filesystem::create_directory(dir + "/out");
  write_file(dir + "/s.yaml", "target: {spawn: reference-server, store: memory}\nduration: 3s\nusers: 4\nrate: 20/s\n");
  background_process controller({bin("throng"), "run", dir + "/s.yaml", "--report", dir + "/out/r.json", "--markdown",
                                 dir + "/s.md", "--work-dir", dir},
                                dir + "/controller.log");
  for (int i = 0; i < 300 && read_file(dir + "/controller.log").find("sent") == std::string::npos; ++i) usleep(20'000);
  // Gone while the run is under way, as a full disk or a cleaned-up workspace would leave it.
  std::filesystem::remove_all(dir + "/out");
  EXPECT_EQ(controller.wait(std::chrono::seconds(30)), 3) << "a passing run whose report was lost must not exit 0";
  const auto out = read_file(dir + "/controller.log");
  const std::string lost = "cannot write " + dir + "/out/r.json: No such file or directory";
  EXPECT_NE(out.find("problem: " + lost), std::string::npos) << out;
  EXPECT_NE(out.find("verdict: ABORTED"), std::string::npos) << out;
  EXPECT_NE(read_file(dir + "/controller.log.err").find(lost), std::string::npos);
  // The other output still has the run, and says what was lost.
  const auto md = read_file(dir + "/s.md");
  EXPECT_NE(md.find("| sent |"), std::string::npos) << md;
  EXPECT_NE(md.find("> problem: " + lost), std::string::npos) << md;
  std::filesystem::remove_all(dir);
}

TEST(Processes, ServerStopsCleanlyOnSigterm) {
  const auto dir = make_temp_dir();
  server_process server(dir);
  ASSERT_NE(server.port, 0);
  EXPECT_EQ(server.process->stop(SIGTERM, std::chrono::milliseconds(5000)), 0);
  EXPECT_NE(read_file(dir + "/server.log.err").find("stopped"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Processes, ServerRefusesAPortInUse) {
  const auto dir = make_temp_dir();
  server_process first(dir);
  ASSERT_NE(first.port, 0);
  const auto port = std::to_string(first.port);
  const auto second = run_command({bin("throng-server"), "--port", port, "--threads", "1", "--store", "memory"},
                                  std::chrono::seconds(10));
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("pick another port"), std::string::npos) << second.err;
  // The controller's agent port is a flag too: a taken one is bad input, not an aborted run.
  const auto controller = run_command({bin("throng"), "run", scenarios_dir() + "/smoke.yaml", "--agent-port", port});
  EXPECT_EQ(controller.exit_code, 2);
  EXPECT_NE(controller.err.find("--agent-port"), std::string::npos) << controller.err;
  std::filesystem::remove_all(dir);
}

TEST(Processes, AgentGivesUpOnAnUnreachableController) {
  const auto r = run_command({bin("throng-agent"), "--controller", "ws://127.0.0.1:1/agents", "--controller-timeout", "1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot reach the controller"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace throng::test

namespace throng::test {
namespace {

TEST(PlanCommand, APopulationGivesTheLoadTheFleetAndItsTfvars) {
  const auto dir = make_temp_dir();
  const auto r = run_command({bin_dir() + "/throng", "plan", "--mau", "1e9", "--messages-per-user-per-day", "33.3333333",
                              "--regions", "us-east-1,eu-west-1", "--tfvars", dir + "/fleet.tfvars.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("385.8k"), std::string::npos) << r.out;  // average sends/s
  EXPECT_NE(r.out.find("100.00M"), std::string::npos) << r.out;  // connections at the peak
  const auto tfvars = nlohmann::json::parse(read_file(dir + "/fleet.tfvars.json"));
  EXPECT_EQ(tfvars["agent_regions"]["us-east-1"]["agents"], 5000);

  const auto both = run_command({bin_dir() + "/throng", "plan", std::string(THRONG_SOURCE_DIR) + "/scenarios/smoke.yaml",
                                 "--mau", "5"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("not both"), std::string::npos) << both.err;
  // Populations as people write them.
  const auto human = run_command({bin_dir() + "/throng", "plan", "--mau", "1B", "--messages-per-month", "1T"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("385.8k"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("100.00M"), std::string::npos) << human.out;
  const auto garbage = run_command({bin_dir() + "/throng", "plan", "--mau", "lots"});
  EXPECT_EQ(garbage.exit_code, 2);
  EXPECT_NE(garbage.err.find("'lots' is not a count such as 250M, 1.5B or 1e9"), std::string::npos) << garbage.err;
  const auto bad = run_command({bin_dir() + "/throng", "plan", "--mau", "1e6", "--concurrency", "3"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--messages-per-month"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("--concurrency"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace throng::test

namespace throng::test {
namespace {

std::string environment_of(pid_t pid) {
  std::string env = read_file("/proc/" + std::to_string(pid) + "/environ");
  std::replace(env.begin(), env.end(), '\0', '\n');
  return env;
}

// The server runs with a larger allocation cache (see malloc_cache.hpp),
// unless the user chose their own glibc tunables.
TEST(Processes, ServerRunsWithItsMallocCacheUnlessTheUserSetTunables) {
  const auto dir = make_temp_dir();
  {
    server_process server(dir);
    ASSERT_NE(server.port, 0);
    EXPECT_NE(environment_of(server.process->pid()).find("GLIBC_TUNABLES=glibc.malloc.tcache_count=4096\n"), std::string::npos);
  }
  std::filesystem::create_directories(dir + "/own");
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=16", 1);
  {
    server_process server(dir + "/own");
    ::unsetenv("GLIBC_TUNABLES");
    ASSERT_NE(server.port, 0);
    EXPECT_NE(environment_of(server.process->pid()).find("GLIBC_TUNABLES=glibc.malloc.tcache_count=16\n"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace throng::test
