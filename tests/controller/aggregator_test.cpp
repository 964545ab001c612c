#include "throng/controller/aggregator.hpp"

#include <gtest/gtest.h>

#include "control.pb.h"

namespace throng::controller {
namespace {

control::StatsReport report(const std::string& agent, std::uint64_t window, std::uint64_t sent, bool final = false,
                            std::int64_t e2e_ns = 0) {
  run_stats s;
  s.counters.sent = sent;
  if (e2e_ns) s.e2e.record(e2e_ns);
  control::StatsReport r;
  r.set_agent_id(agent);
  r.set_window(window);
  r.set_final(final);
  r.set_active_users(10);
  s.to_proto(*r.mutable_counters(), *r.mutable_latencies());
  return r;
}

TEST(Aggregator, WindowCompletesWhenEveryAgentReported) {
  aggregator agg({"a", "b"});
  EXPECT_TRUE(agg.add(report("a", 0, 5)).empty());
  auto done = agg.add(report("b", 0, 7, false, 2'000'000));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].window, 0u);
  EXPECT_EQ(done[0].stats.counters.sent, 12u);
  EXPECT_EQ(done[0].active_users, 20u);
  EXPECT_EQ(done[0].stats.e2e.count(), 1u);
  EXPECT_EQ(agg.total().counters.sent, 12u);
}

TEST(Aggregator, WindowsAreEmittedInOrder) {
  aggregator agg({"a", "b"});
  agg.add(report("a", 0, 1));
  agg.add(report("a", 1, 1));
  agg.add(report("a", 2, 1));
  EXPECT_TRUE(agg.add(report("b", 1, 1)).empty()) << "window 0 is still missing b";
  auto done = agg.add(report("b", 0, 1));
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].window, 0u);
  EXPECT_EQ(done[1].window, 1u);
}

TEST(Aggregator, FinishedAgentsDoNotHoldBackLaterWindows) {
  aggregator agg({"a", "b"});
  agg.add(report("a", 0, 1, true));
  auto done = agg.add(report("b", 0, 1));
  ASSERT_EQ(done.size(), 1u);
  done = agg.add(report("b", 1, 1, true));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(agg.all_final());
  EXPECT_EQ(agg.total().counters.sent, 3u);
}

TEST(Aggregator, LostAgentReleasesWaitingWindows) {
  aggregator agg({"a", "b"});
  EXPECT_TRUE(agg.add(report("a", 0, 4)).empty());
  auto done = agg.remove_agent("b");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].stats.counters.sent, 4u);
}

TEST(Aggregator, ReportsFromStrangersAndAfterFinalAreIgnored) {
  aggregator agg({"a"});
  EXPECT_TRUE(agg.add(report("x", 0, 100)).empty());
  agg.add(report("a", 0, 1, true));
  agg.add(report("a", 1, 50));
  agg.flush();
  EXPECT_EQ(agg.total().counters.sent, 1u);
}

}  // namespace
}  // namespace throng::controller

namespace throng::controller {
namespace {

TEST(Aggregator, LateStartingGroupsAlignToRunWindowsAndSumUnderTheirTags) {
  // b's scenario starts 2 s into the run: its window 0 is the run's window 2.
  aggregator agg(std::vector<agent_entry>{{"a", 0, "chat", "chat/default", "eu"}, {"b", 2, "late", "late/default", "us"}});
  EXPECT_EQ(agg.add(report("a", 0, 1)).size(), 1u) << "b does not hold back windows before its start";
  EXPECT_EQ(agg.add(report("a", 1, 1)).size(), 1u);
  EXPECT_TRUE(agg.add(report("a", 2, 1)).empty());
  const auto done = agg.add(report("b", 0, 5));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].window, 2u);
  EXPECT_EQ(done[0].stats.counters.sent, 6u);
  EXPECT_EQ(agg.tagged("scenario", "chat").counters.sent, 3u);
  EXPECT_EQ(agg.tagged("scenario", "late").counters.sent, 5u);
  EXPECT_EQ(agg.tagged("region", "us").counters.sent, 5u);
  EXPECT_EQ(agg.tagged("group", "nope").counters.sent, 0u);
}

}  // namespace
}  // namespace throng::controller
