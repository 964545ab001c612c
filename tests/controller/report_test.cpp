#include "throng/controller/report.hpp"

#include <gtest/gtest.h>

#include "throng/controller/compare.hpp"

namespace throng::controller {
namespace {

saved_report sample_report(double latency_scale, std::uint64_t lost) {
  saved_report r;
  r.info.run_id = "run-1";
  r.info.scenario_name = "smoke";
  r.info.target_url = "ws://127.0.0.1:1/ws";
  r.info.users = 10;
  r.info.rate_per_s = 100;
  r.info.duration_ns = 10'000'000'000;
  r.info.groups.push_back({"chat/default", "constant-users", 10, 2, 100, 0, 10'000'000'000});
  auto& s = r.summary;
  for (int i = 1; i <= 1000; ++i) s.total.e2e.record(static_cast<std::int64_t>(i * 12'345 * latency_scale));
  s.total.ack.record(3'000'000);
  s.total.counters.sent = 1000;
  s.total.counters.acked = 1000;
  s.total.counters.expected = 5000;
  s.total.counters.delivered = 5000 - lost;
  s.total.counters.lost = lost;
  s.total.counters.count_error("RATE_LIMITED");
  s.tags["group"]["chat/default"] = s.total;
  s.elapsed_ns = 12'000'000'000;
  s.completed = true;
  threshold t;
  parse_threshold_metric("e2e", t);
  parse_threshold_expression("p(99) < 1s", t);
  s.thresholds.push_back(evaluate(t, s.total, 10));
  s.agents.push_back({"local-1", "local", "chat/default", 10, 1000, 32000, "AGENT_DONE", true});
  return r;
}

TEST(Report, RoundTripKeepsCountersPercentilesAndVerdict) {
  const auto original = sample_report(1.0, 3);
  const auto back = report_from_json(nlohmann::json::parse(report_json(original).dump()));
  EXPECT_EQ(back.info.run_id, "run-1");
  ASSERT_EQ(back.info.groups.size(), 1u);
  EXPECT_EQ(back.info.groups[0].tag, "chat/default");
  const auto& a = original.summary.total;
  const auto& b = back.summary.total;
  EXPECT_EQ(b.counters.lost, 3u);
  EXPECT_EQ(b.counters.errors_by_code.at("RATE_LIMITED"), 1u);
  EXPECT_EQ(b.e2e.count(), a.e2e.count());
  EXPECT_EQ(b.e2e.min(), a.e2e.min()) << "min and max are kept exactly";
  EXPECT_EQ(b.e2e.max(), a.e2e.max());
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(b.e2e.percentile(p), a.e2e.percentile(p)) << p;
  EXPECT_EQ(back.summary.tags.at("group").at("chat/default").counters.sent, 1000u);
  ASSERT_EQ(back.summary.thresholds.size(), 1u);
  EXPECT_TRUE(back.summary.thresholds[0].passed);
  EXPECT_EQ(back.summary.thresholds[0].spec.name(), "e2e: p(99) < 1s");
  EXPECT_EQ(back.summary.agents.at(0).group, "chat/default");
}

TEST(Report, AReportFromBeforeACounterExistedLoadsWithItAtZero) {
  auto original = sample_report(1.0, 0);
  original.summary.total.counters.agent_added_unknown = 7;
  auto doc = report_json(original);
  EXPECT_EQ(doc.at("totals").at("agent_added_unknown"), 7u);
  doc.at("totals").erase("agent_added_unknown");  // written by an older throng
  EXPECT_EQ(report_from_json(doc).summary.total.counters.agent_added_unknown, 0u);
  doc.at("totals").erase("lost");  // a counter every report has
  EXPECT_THROW(report_from_json(doc), std::runtime_error);
}

TEST(Report, ForeignOrBrokenJsonIsAClearError) {
  EXPECT_THROW(report_from_json(nlohmann::json{{"hello", 1}}), std::runtime_error);
  auto doc = report_json(sample_report(1.0, 0));
  doc.erase("totals");
  try {
    report_from_json(doc);
    FAIL() << "a report without totals must not load";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("malformed"), std::string::npos);
  }
}

TEST(Compare, SameReportHasNoRegression) {
  const auto r = sample_report(1.0, 0);
  for (const auto& row : compare_reports(r, r, 0.1)) EXPECT_FALSE(row.regression) << row.metric;
}

TEST(Compare, SlowerLatencyAndNewLossAreRegressions) {
  const auto base = sample_report(1.0, 0);
  const auto slower = sample_report(1.2, 2);
  const auto rows = compare_reports(base, slower, 0.1);
  bool e2e_p99 = false, lost = false, ack = false;
  for (const auto& row : rows) {
    if (row.metric == "e2e p99") e2e_p99 = row.regression;
    if (row.metric == "lost fraction") lost = row.regression;
    if (row.metric == "ack p99") ack = row.regression;
  }
  EXPECT_TRUE(e2e_p99) << "20 % slower with 10 % allowed";
  EXPECT_TRUE(lost) << "loss where there was none";
  EXPECT_FALSE(ack) << "unchanged";
  // Within the allowance, no regression.
  for (const auto& row : compare_reports(base, sample_report(1.05, 0), 0.1)) EXPECT_FALSE(row.regression) << row.metric;
  EXPECT_NE(format_comparison(rows, 0.1).find("REGRESSION"), std::string::npos);
}

TEST(Compare, RunsThatAreNotAlikeAreNamed) {
  const auto base = sample_report(1.0, 0);
  EXPECT_TRUE(comparison_caveats(base, base).empty());
  auto other = base;
  other.info.scenario_name = "soak";
  other.info.users = 20;
  other.info.target_url = "ws://10.0.0.1:7800/ws";
  other.info.run_id = "run-2";
  other.summary.completed = false;
  const auto caveats = comparison_caveats(base, other);
  ASSERT_EQ(caveats.size(), 4u);
  EXPECT_EQ(caveats[0], "the runs are of different scenarios ('smoke' and 'soak')");
  EXPECT_EQ(caveats[1].rfind("the planned load differs: 10 users at 100/s for 10.00s against 20 users", 0), 0u) << caveats[1];
  EXPECT_EQ(caveats[2], "the targets differ (ws://127.0.0.1:1/ws and ws://10.0.0.1:7800/ws)");
  EXPECT_EQ(caveats[3], "run run-2 was aborted: its figures cover only part of the plan");
  // Two runs against servers they spawned differ in port only: that is no caveat.
  auto spawned = base;
  spawned.info.target_spawned = true;
  auto respawned = spawned;
  respawned.info.target_url = "ws://127.0.0.1:2/ws";
  EXPECT_TRUE(comparison_caveats(spawned, respawned).empty());
}

}  // namespace
}  // namespace throng::controller
