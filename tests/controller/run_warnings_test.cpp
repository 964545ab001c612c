// The end-of-run warnings: each says which figures not to take at face value.
#include "throng/controller/run_warnings.hpp"

#include <gtest/gtest.h>

namespace throng::controller {
namespace {

run_summary clean_run() {
  run_summary s;
  s.max_agent_cpu_percent = 40;
  s.max_loop_lag_ms = 2;
  s.total.counters.sent = s.total.counters.acked = 100;
  for (int i = 1; i <= 100; ++i) {
    s.total.ack.record(i * 100'000);          // 0.1 .. 10 ms
    s.total.agent_added.record(i * 2'000);    // 2 .. 200 us
  }
  return s;
}

TEST(RunWarnings, ACleanRunHasNone) { EXPECT_TRUE(run_warnings(clean_run()).empty()); }

TEST(RunWarnings, ASaturatedAgent) {
  auto s = clean_run();
  s.max_agent_cpu_percent = 97;
  const auto w = run_warnings(s);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("an agent was saturated (CPU up to 97%"), std::string::npos) << w[0];
}

// Against a target faster than the agents' own wake-ups the ack latency is
// mostly theirs: the summary says so rather than let it pass for the target's.
TEST(RunWarnings, LatenciesThatAreMostlyTheAgentsOwn) {
  auto s = clean_run();
  s.total.agent_added.reset();
  for (int i = 1; i <= 100; ++i) s.total.agent_added.record(i * 60'000);  // p99 about 6 ms of 10 ms
  const auto w = run_warnings(s);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("the agents' own part of the ack latency is"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("agent_added"), std::string::npos) << w[0];
}

TEST(RunWarnings, SendsStillUnansweredAtTheEnd) {
  auto s = clean_run();
  s.total.counters.sent = 130;
  const auto w = run_warnings(s);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("30 sends were not acknowledged"), std::string::npos) << w[0];
}

}  // namespace
}  // namespace throng::controller
