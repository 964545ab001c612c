#include "throng/common/metrics.hpp"
#include "throng/common/run_stats.hpp"

#include <gtest/gtest.h>

#include "stats.pb.h"
#include "throng/common/url.hpp"

namespace throng {
namespace {

TEST(RunStats, ProtoRoundTripAndMergeAddUp) {
  run_stats a, b;
  a.counters.sent = 10;
  a.counters.delivered = 40;
  a.counters.count_error("TOO_LARGE");
  a.e2e.record(1'500'000);
  b.counters.sent = 5;
  b.counters.count_error("TOO_LARGE");
  b.counters.count_error("READ_ONLY");
  b.e2e.record(3'000'000);
  b.connect.record(20'000'000);

  stats::Counters c;
  stats::Latencies l;
  b.to_proto(c, l);
  run_stats merged = a;
  ASSERT_TRUE(merged.add_from_proto(c, l));
  EXPECT_EQ(merged.counters.sent, 15u);
  EXPECT_EQ(merged.counters.delivered, 40u);
  EXPECT_EQ(merged.counters.errors, 3u);
  EXPECT_EQ(merged.counters.errors_by_code.at("TOO_LARGE"), 2u);
  EXPECT_EQ(merged.e2e.count(), 2u);
  EXPECT_EQ(merged.connect.count(), 1u);

  run_stats direct = a;
  direct.merge(b);
  EXPECT_EQ(direct.e2e.percentile(100), merged.e2e.percentile(100));
}

TEST(RunStats, SwapHandsOverEverything) {
  run_stats worker, spare;
  worker.counters.sent = 3;
  worker.ack.record(1'000'000);
  worker.swap(spare);
  EXPECT_EQ(worker.counters.sent, 0u);
  EXPECT_EQ(worker.ack.count(), 0u);
  EXPECT_EQ(spare.counters.sent, 3u);
  EXPECT_EQ(spare.ack.count(), 1u);
}

TEST(WsUrl, ParsesAndRejects) {
  auto u = parse_ws_url("ws://127.0.0.1:8080/ws");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/ws");
  auto v6 = parse_ws_url("ws://[::1]:7700/agents");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->str(), "ws://[::1]:7700/agents");
  EXPECT_EQ(parse_ws_url("wss://example.com/x")->port, 443);
  EXPECT_FALSE(parse_ws_url("http://x/"));
  EXPECT_FALSE(parse_ws_url("ws://:80/"));
  EXPECT_FALSE(parse_ws_url("ws://host:99999/"));
}

}  // namespace
}  // namespace throng

namespace throng {
namespace {

TEST(DurationHistogram, RoundBucketsHoldTheirBounds) {
  local_duration_histogram h;
  EXPECT_EQ(local_duration_histogram::upper_bound_ns(0), 1'000u);
  EXPECT_EQ(local_duration_histogram::upper_bound_ns(10), 2'000'000u);  // 2 ms
  EXPECT_EQ(local_duration_histogram::upper_bound_ns(12), 10'000'000u);  // 10 ms
  EXPECT_EQ(local_duration_histogram::upper_bound_ns(local_duration_histogram::buckets - 1), 20'000'000'000u);
  h.observe(1'000'000);   // exactly 1 ms: in the 1 ms bucket
  h.observe(1'000'001);   // just over: in the 2 ms one
  h.observe(-5);          // clock noise: the first bucket
  h.observe(30'000'000'000);  // beyond 20 s: +Inf
  EXPECT_EQ(h.count(9), 1u);
  EXPECT_EQ(h.count(10), 1u);
  EXPECT_EQ(h.count(0), 1u);
  EXPECT_EQ(h.count(local_duration_histogram::buckets), 1u);
  EXPECT_EQ(h.total(), 4u);
}

}  // namespace
}  // namespace throng
