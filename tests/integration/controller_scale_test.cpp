// The controller at a thousand agents: every agent's report is merged into
// every second of the timeline, and the run ends on time.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../support/control_swarm.hpp"
#include "../support/process.hpp"

namespace throng::test {
namespace {

TEST(ControllerScale, ThousandAgentsAreMergedEverySecond) {
  constexpr unsigned agents = 1000;
  const auto dir = make_temp_dir();
  // The swarm never connects users, so the target is never contacted.
  write_file(dir + "/swarm.yaml", "target: {url: 'ws://127.0.0.1:9/ws'}\nauth: anonymous\nusers: 5000\nduration: 4s\n"
                                  "graceful_stop: 0s\nthresholds:\n  sent: ['count == 20000']\n");
  const auto port = free_port();
  background_process controller({bin_dir() + "/throng", "run", dir + "/swarm.yaml", "--agents", std::to_string(agents),
                                 "--agent-port", std::to_string(port), "--agent-token", "swarm", "--agent-wait", "60",
                                 "--report", dir + "/report.json"},
                                dir + "/controller.log");
  usleep(300'000);
  const auto swarm = run_control_swarm(port, "swarm", agents, 90);
  EXPECT_EQ(swarm.connected, agents);
  EXPECT_EQ(swarm.planned, agents);
  EXPECT_EQ(swarm.finished, agents);
  EXPECT_EQ(swarm.users, 5000u) << "5 users each, split exactly";
  ASSERT_EQ(controller.wait(std::chrono::seconds(30)), 0) << read_file(dir + "/controller.log");

  const auto report = nlohmann::json::parse(read_file(dir + "/report.json"));
  const auto& timeline = report.at("timeline");
  ASSERT_EQ(timeline.size(), 4u);
  for (const auto& w : timeline) {
    // Each agent reported 5 sends per second: a window is only complete with all of them.
    EXPECT_EQ(w.at("counters").at("sent").get<std::uint64_t>(), 5000u) << "window " << w.at("window");
    EXPECT_EQ(w.at("active_users").get<std::uint64_t>(), 5000u) << "window " << w.at("window");
    EXPECT_EQ(w.at("latency").at("e2e").at("count").get<std::uint64_t>(), 5000u);
    EXPECT_EQ(w.at("tags").at("region").at("even").at("sent").get<std::uint64_t>(), 2500u) << "per region, per second";
  }
  EXPECT_EQ(report.at("totals").at("sent").get<std::uint64_t>(), 20'000u);
  EXPECT_EQ(report.at("tags").at("region").at("odd").at("counters").at("sent").get<std::uint64_t>(), 10'000u);
  EXPECT_EQ(report.at("verdict"), "pass");
  // The agents' e2e samples run from 1 ms to 1 ms + 999 us: the merged histogram spans them.
  EXPECT_NEAR(report.at("latency").at("e2e").at("max_ms").get<double>(), 1.999, 0.01);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace throng::test
