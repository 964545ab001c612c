#include "throng/controller/thresholds.hpp"

#include <gtest/gtest.h>

namespace throng::controller {
namespace {

threshold make(const std::string& metric, const std::string& expression) {
  threshold t;
  EXPECT_EQ(parse_threshold_metric(metric, t), "");
  EXPECT_EQ(parse_threshold_expression(expression, t), "");
  return t;
}

run_stats sample_stats() {
  run_stats s;
  for (int i = 1; i <= 100; ++i) s.e2e.record(i * 1'000'000);  // 1..100 ms
  s.counters.sent = 1000;
  s.counters.acked = 1000;
  s.counters.expected = 50'000;
  s.counters.delivered = 49'990;
  s.counters.lost = 10;
  s.counters.connects = 200;
  s.counters.connect_errors = 0;
  return s;
}

TEST(Thresholds, LatencyPercentilesAndAggregations) {
  const auto s = sample_stats();
  EXPECT_TRUE(evaluate(make("e2e", "p(95) < 100ms"), s, 10).passed);
  EXPECT_FALSE(evaluate(make("e2e", "p(99) < 90ms"), s, 10).passed);
  const auto avg = evaluate(make("e2e", "avg <= 51"), s, 10);  // bare numbers are milliseconds
  EXPECT_TRUE(avg.passed) << avg.shown;
  EXPECT_FALSE(evaluate(make("e2e", "max < 100ms"), s, 10).passed);
  EXPECT_TRUE(evaluate(make("e2e", "min >= 1ms"), s, 10).passed);
  EXPECT_TRUE(evaluate(make("e2e", "med < 51ms"), s, 10).passed);
  EXPECT_TRUE(evaluate(make("e2e", "count == 100"), s, 10).passed);
}

// A run can be gated on the agents' own part of the ack latency: results
// from agents that added more than the bound are not to be trusted.
TEST(Thresholds, TheAgentsOwnPartOfTheAckLatency) {
  run_stats s;
  for (int i = 1; i <= 100; ++i) s.agent_added.record(i * 10'000);  // 10 us .. 1 ms
  EXPECT_TRUE(evaluate(make("agent_added", "p(50) < 600us"), s, 10).passed);
  EXPECT_FALSE(evaluate(make("agent_added", "p(99) < 500us"), s, 10).passed);
  EXPECT_FALSE(evaluate(make("agent_added", "p(99) < 1ms"), run_stats{}, 10).passed) << "no data does not pass";
}

TEST(Thresholds, CounterCountsRatesAndPerSecond) {
  const auto s = sample_stats();
  EXPECT_FALSE(evaluate(make("lost", "count == 0"), s, 10).passed);
  const auto lost_rate = evaluate(make("lost", "rate < 0.001"), s, 10);  // 10 of 50,000 expected
  EXPECT_TRUE(lost_rate.passed);
  EXPECT_DOUBLE_EQ(lost_rate.value, 10.0 / 50'000);
  EXPECT_NE(lost_rate.shown.find("10 of 50000"), std::string::npos) << lost_rate.shown;
  EXPECT_TRUE(evaluate(make("connect_errors", "rate < 0.001"), s, 10).passed);
  const auto per_s = evaluate(make("sent", "per_s >= 100"), s, 10);
  EXPECT_TRUE(per_s.passed);
  EXPECT_DOUBLE_EQ(per_s.value, 100);
  EXPECT_TRUE(evaluate(make("delivered", "count > 10k"), s, 10).passed);
}

TEST(Thresholds, NoDataFails) {
  run_stats empty;
  const auto r = evaluate(make("e2e", "p(99) < 1s"), empty, 10);
  EXPECT_FALSE(r.passed) << "a latency bound with nothing delivered must not pass";
  EXPECT_EQ(r.shown, "no data");
  EXPECT_FALSE(evaluate(make("lost", "rate < 0.1"), empty, 10).passed);
}

TEST(Thresholds, OperatorsAndNames) {
  const auto s = sample_stats();
  EXPECT_TRUE(evaluate(make("acked", "count != 0"), s, 1).passed);
  EXPECT_TRUE(evaluate(make("acked", "count >= 1000"), s, 1).passed);
  EXPECT_FALSE(evaluate(make("acked", "count > 1000"), s, 1).passed);
  EXPECT_EQ(make("e2e{scenario:chat}", "p(95) < 1500ms").name(), "e2e{scenario:chat}: p(95) < 1500ms");
}

}  // namespace
}  // namespace throng::controller
