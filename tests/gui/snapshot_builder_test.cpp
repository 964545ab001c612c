// Assembling what the panel draws from the controller's RunSnapshots.
#include <gtest/gtest.h>

#include "throng/common/histogram.hpp"
#include "throng/panel/snapshot_builder.hpp"

namespace throng::panel {
namespace {

constexpr auto ms = 1'000'000;

// A run whose second w has 100 e2e samples of (w+1) ms in "eu" and 50 of
// 2(w+1) ms in "us", fed to a builder as the controller would.
struct fake_run {
  histogram all, eu, us;
  snapshot_builder builder{600};
  std::string run_id = "chat-1234";

  void second(std::uint64_t w, double cpu = 20) {
    histogram last;
    for (int i = 0; i < 100; ++i) {
      eu.record(static_cast<std::int64_t>(w + 1) * ms);
      last.record(static_cast<std::int64_t>(w + 1) * ms);
    }
    for (int i = 0; i < 50; ++i) {
      us.record(static_cast<std::int64_t>(2 * (w + 1)) * ms);
      last.record(static_cast<std::int64_t>(2 * (w + 1)) * ms);
    }
    all.merge(last);
    control::RunSnapshot s;
    s.set_run_id(run_id);
    s.set_scenario("chat");
    s.set_phase("running");
    s.set_elapsed_ns(static_cast<std::int64_t>(w + 1) * 1'000'000'000);
    s.set_duration_ns(600'000'000'000);
    s.set_windows_complete(w + 1);
    s.mutable_last_second()->set_sent(150);
    s.mutable_last_second()->set_delivered(1500);
    s.mutable_last_second()->set_errors(w == 5 ? 3 : 0);
    last.to_proto(*s.mutable_last_second_latencies()->mutable_e2e());
    all.to_proto(*s.mutable_total_latencies()->mutable_e2e());
    s.mutable_total()->set_sent(150 * (w + 1));
    s.mutable_total()->set_lost(2);
    auto* eu_row = s.add_regions();
    eu_row->set_region("eu");
    eu.to_proto(*eu_row->mutable_total()->mutable_e2e());
    auto* us_row = s.add_regions();
    us_row->set_region("us");
    us.to_proto(*us_row->mutable_total()->mutable_e2e());
    for (const auto& [id, region] : {std::pair{"a1", "eu"}, {"a2", "us"}}) {
      auto* a = s.add_agents();
      a->mutable_status()->set_agent_id(id);
      a->mutable_status()->set_state(control::AGENT_RUNNING);
      a->mutable_status()->set_clock_offset_ns(1'500'000);
      a->mutable_status()->set_clock_error_ns(40'000);
      a->set_region(region);
      a->set_active_users(100);
      a->set_cpu_percent(std::string(id) == "a2" ? cpu : 20);
    }
    auto* t = s.add_thresholds();
    t->set_name("e2e: p(99) < 50ms");
    t->set_value("12ms");
    t->set_passed(true);
    t->set_evaluated(true);
    auto* m = s.add_timeline();
    m->set_lane("chat/default");
    m->set_label("200 users");
    m->set_length_ns(600'000'000'000);
    builder.add(s);
  }
  const span_histogram& e2e(const std::string& source, span sp) const {
    return builder.current().histograms.at(source)[0][static_cast<std::size_t>(sp)];
  }
};

TEST(SnapshotBuilder, ChartsGetOnePointPerSecond) {
  fake_run run;
  for (std::uint64_t w = 0; w < 10; ++w) run.second(w);
  const auto& c = run.builder.current().charts;
  ASSERT_EQ(c.sends.size(), 10u);
  EXPECT_EQ(c.sends[3], 150);
  EXPECT_EQ(c.deliveries[3], 1500);
  EXPECT_EQ(c.errors[5], 3);
  EXPECT_EQ(c.active_users[9], 200);
  EXPECT_EQ(c.first_second, 0u);
  // Second 9: 100 samples of 10 ms and 50 of 20 ms.
  EXPECT_NEAR(c.e2e_p50[9], 10, 0.02);
  EXPECT_NEAR(c.e2e_p99[9], 20, 0.03);
}

TEST(SnapshotBuilder, HistoryScrollsAtItsCapacity) {
  fake_run run;
  run.builder = snapshot_builder(30);
  for (std::uint64_t w = 0; w < 45; ++w) run.second(w);
  const auto& c = run.builder.current().charts;
  EXPECT_EQ(c.sends.size(), 30u);
  EXPECT_EQ(c.first_second, 15u);
  EXPECT_NEAR(c.e2e_p50[29], 45, 0.1);
}

TEST(SnapshotBuilder, SpansCutTheLastSecondAndMinuteOutOfTheRun) {
  fake_run run;
  for (std::uint64_t w = 0; w < 90; ++w) run.second(w);
  const auto& s = run.builder.current();
  ASSERT_EQ(s.sources, (std::vector<std::string>{all_regions, "eu", "us"}));

  const auto& whole = run.e2e(all_regions, span::whole_run);
  EXPECT_EQ(whole.bins.total, 90u * 150);
  EXPECT_EQ(whole.seconds, 90u);

  // The last second (second 89): 90 ms in eu, 180 ms in us.
  const auto& last = run.e2e(all_regions, span::last_second);
  EXPECT_EQ(last.bins.total, 150u);
  EXPECT_EQ(last.seconds, 1u);
  EXPECT_NEAR(static_cast<double>(last.bins.markers[0]), 90.0 * ms, 0.1 * ms);
  EXPECT_NEAR(static_cast<double>(last.bins.markers[3]), 180.0 * ms, 0.2 * ms);

  // The last minute: seconds 30..89 only.
  const auto& minute = run.e2e("eu", span::last_minute);
  EXPECT_EQ(minute.seconds, 60u);
  EXPECT_EQ(minute.bins.total, 60u * 100);
  EXPECT_NEAR(static_cast<double>(minute.bins.markers[0]), 60.0 * ms, 0.1 * ms);  // median of 31..90 ms

  EXPECT_EQ(run.e2e("us", span::last_second).bins.total, 50u);
}

TEST(SnapshotBuilder, AYoungRunsMinuteIsTheWholeRun) {
  fake_run run;
  for (std::uint64_t w = 0; w < 5; ++w) run.second(w);
  const auto& minute = run.e2e(all_regions, span::last_minute);
  EXPECT_EQ(minute.seconds, 5u);
  EXPECT_EQ(minute.bins.total, 5u * 150);
}

TEST(SnapshotBuilder, AgentsThresholdsTimelineAndCounters) {
  fake_run run;
  run.second(0, /*cpu of a2*/ 97);
  const auto& s = run.builder.current();
  ASSERT_EQ(s.agents.size(), 2u);
  EXPECT_EQ(s.agents[0].state, "running");
  EXPECT_DOUBLE_EQ(s.agents[0].clock_offset_ms, 1.5);
  EXPECT_DOUBLE_EQ(s.agents[0].clock_error_ms, 0.04);
  EXPECT_FALSE(s.agents[0].saturated);
  EXPECT_TRUE(s.agents[1].saturated);  // 97% CPU
  ASSERT_EQ(s.thresholds.size(), 1u);
  EXPECT_EQ(s.thresholds[0].value, "12ms");
  ASSERT_EQ(s.timeline.size(), 1u);
  EXPECT_EQ(s.timeline[0].label, "200 users");
  EXPECT_EQ(s.totals.lost, 2u);
  EXPECT_EQ(s.snapshots_received, 1u);
}

TEST(SnapshotBuilder, ARefusedScenarioKeepsItsLinesAndColumns) {
  snapshot_builder b;
  control::Refused r;
  r.set_reason("the scenario is not valid:\nbad.yaml:3:5: scenarios.chat.executor: unknown executor");
  auto* p = r.add_problems();
  p->set_file("bad.yaml");
  p->set_line(3);
  p->set_column(5);
  p->set_path("scenarios.chat.executor");
  p->set_message("unknown executor");
  const auto before = b.current().version;
  b.refused(r);
  ASSERT_EQ(b.current().scenario_problems.size(), 1u);
  EXPECT_EQ(b.current().scenario_problems[0].line, 3u);
  EXPECT_EQ(b.current().scenario_problems[0].column, 5u);
  EXPECT_GT(b.current().version, before);
}

TEST(SnapshotBuilder, ARefusalStaysUntilANewRun) {
  fake_run run;
  run.second(0);
  control::Refused r;
  r.set_reason("rate_multiplier must be a positive factor");
  run.builder.refused(r);
  run.second(1);
  run.second(2);
  EXPECT_EQ(run.builder.current().refusal, r.reason()) << "the next snapshots of the same run keep it on screen";
  run.run_id = "chat-5678";
  run.second(0);
  EXPECT_TRUE(run.builder.current().refusal.empty());
}

TEST(SnapshotBuilder, ANewRunStartsAFreshHistory) {
  fake_run run;
  for (std::uint64_t w = 0; w < 10; ++w) run.second(w);
  run.run_id = "chat-5678";
  run.all.reset();
  run.eu.reset();
  run.us.reset();
  run.second(0);
  EXPECT_EQ(run.builder.current().charts.sends.size(), 1u);
  EXPECT_EQ(run.e2e(all_regions, span::whole_run).bins.total, 150u);
}

}  // namespace
}  // namespace throng::panel
