#include <gtest/gtest.h>

#include "control.pb.h"
#include "model/schedule.hpp"
#include "throng/agent/agent.hpp"

namespace throng::agent {
namespace {

// Every input is refused with std::invalid_argument whose text contains `hint`.
template <class Parse>
void expect_all_refused(Parse parse, std::initializer_list<const char*> inputs, const std::string& hint) {
  for (const char* bad : inputs) {
    try {
      parse(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(hint), std::string::npos) << e.what();
    }
  }
}

// Why standalone_plan refuses these flags; empty when it takes them.
std::string error_of(const standalone_options& o) {
  try {
    standalone_plan(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

TEST(StandalonePlan, FlagsBecomeAPlan) {
  standalone_options o;
  o.targets = {"ws://127.0.0.1:7800/ws", "ws://127.0.0.1:7801/ws"};
  o.users = 200;
  o.rate_per_s = 1000;
  o.token_secret = "s";
  const auto plan = standalone_plan(o);
  EXPECT_EQ(plan.target_url(), "ws://127.0.0.1:7800/ws");
  ASSERT_EQ(plan.extra_target_urls_size(), 1);
  EXPECT_EQ(plan.total_users(), 200u);
  EXPECT_EQ(plan.user_count(), 200u);
  EXPECT_EQ(plan.send_model(), control::SEND_FIXED_RATE);
  EXPECT_DOUBLE_EQ(plan.sends_per_user_per_s(), 5.0);  // the total rate over the users
  EXPECT_EQ(plan.auth(), control::AUTH_MINTED_TOKEN);
  EXPECT_EQ(plan.max_connect_attempts(), 5u);
  o.connect_attempts = 12;
  EXPECT_EQ(standalone_plan(o).max_connect_attempts(), 12u);
}

TEST(StandalonePlan, SendModels) {
  standalone_options o;
  o.token_secret = "s";
  o.send_model = "poisson";
  EXPECT_EQ(standalone_plan(o).send_model(), control::SEND_POISSON);
  o.send_model = "closed";
  EXPECT_EQ(standalone_plan(o).send_model(), control::SEND_CLOSED_LOOP);
  o.send_model = "fixed";
  o.rate_per_s = 0;
  EXPECT_EQ(standalone_plan(o).send_model(), control::SEND_NONE);
}

TEST(StandalonePlan, MistakesAreExplained) {
  standalone_options o;
  o.token_secret = "s";
  EXPECT_EQ(error_of(o), "");
  auto no_secret = o;
  no_secret.token_secret.clear();
  EXPECT_NE(error_of(no_secret).find("--token-secret"), std::string::npos);
  auto anonymous_sender = o;
  anonymous_sender.auth = "anonymous";
  EXPECT_NE(error_of(anonymous_sender).find("anonymous users cannot send"), std::string::npos);
  anonymous_sender.send_model = "closed";
  anonymous_sender.rate_per_s = 0;
  EXPECT_NE(error_of(anonymous_sender).find("anonymous users cannot send"), std::string::npos);
  auto bad_model = o;
  bad_model.send_model = "bursty";
  EXPECT_NE(error_of(bad_model).find("--send-model"), std::string::npos);
  auto no_users = o;
  no_users.users = 0;
  EXPECT_NE(error_of(no_users).find("--users"), std::string::npos);
  auto no_duration = o;
  no_duration.duration_ns = 0;
  EXPECT_NE(error_of(no_duration).find("--duration"), std::string::npos);
  auto no_attempts = o;
  no_attempts.connect_attempts = 0;
  EXPECT_NE(error_of(no_attempts).find("--connect-attempts"), std::string::npos);
  auto endless_attempts = o;
  endless_attempts.connect_attempts = 1001;
  EXPECT_NE(error_of(endless_attempts).find("from 1 to 1000"), std::string::npos);
}

// --message-size takes what a scenario's message_size takes, with its bound;
// --dup-factor has a scenario's bound too.
TEST(StandalonePlan, MessageSizesAndDupFactorAsInAScenario) {
  standalone_options o;
  o.token_secret = "s";
  EXPECT_EQ(standalone_plan(o).message_bytes(), 64u);
  o.message_size = "1KiB";
  auto plan = standalone_plan(o);
  EXPECT_EQ(plan.message_bytes(), 1024u);
  EXPECT_FALSE(plan.has_message_size());
  o.message_size = "uniform:32B..512B";
  plan = standalone_plan(o);
  EXPECT_EQ(plan.message_size().kind(), control::Distribution::UNIFORM);
  EXPECT_DOUBLE_EQ(plan.message_size().a(), 32);
  EXPECT_DOUBLE_EQ(plan.message_size().b(), 512);
  o.message_size = "16MiB";
  EXPECT_EQ(error_of(o), "");
  o.message_size = "uniform:1KiB..17MiB";
  EXPECT_EQ(error_of(o), "--message-size must be at most 16MiB");
  o.message_size = "4000000000";  // a 4 GB body per send would take the agent's memory, not test the server
  EXPECT_EQ(error_of(o), "--message-size must be at most 16MiB");
  o.message_size = "banana";
  EXPECT_EQ(error_of(o).rfind("--message-size: 'banana' is not a size (expected 64B", 0), 0u) << error_of(o);
  o.message_size = "64";
  for (const std::uint32_t dup : {0u, 10'001u}) {
    o.dup_factor = dup;
    EXPECT_EQ(error_of(o), "--dup-factor must be from 1 to 10000");
  }
  o.dup_factor = 10'000;
  EXPECT_EQ(standalone_plan(o).dup_factor(), 10'000u);
  o.think_time = "soon";
  EXPECT_EQ(error_of(o).rfind("--think-time: 'soon' is not a duration (expected 30s", 0), 0u) << error_of(o);
}

TEST(Storm, ParsesAtFractionAndWindow) {
  const auto s = parse_storm("5s:0.3:2s");
  EXPECT_EQ(s.at_ns, 5'000'000'000);
  EXPECT_DOUBLE_EQ(s.storm_fraction, 0.3);
  EXPECT_EQ(s.storm_window_ns, 2'000'000'000);
  const auto defaults = parse_storm("1500ms:1");
  EXPECT_EQ(defaults.at_ns, 1'500'000'000);
  EXPECT_EQ(defaults.storm_window_ns, 1'000'000'000);
}

TEST(LiveEvents, BurstAndPauseBecomeABeginAndAnEnd) {
  const auto burst = parse_burst("10s:3:5s");
  ASSERT_EQ(burst.size(), 2u);
  EXPECT_EQ(burst[0].at_ns, 10'000'000'000);
  EXPECT_DOUBLE_EQ(burst[0].rate_multiplier, 3);
  EXPECT_EQ(burst[1].at_ns, 15'000'000'000);
  EXPECT_DOUBLE_EQ(burst[1].rate_multiplier, 1);
  const auto pause = parse_pause("1s:500ms");
  ASSERT_EQ(pause.size(), 2u);
  EXPECT_EQ(pause[0].pause, live_event::pause_change::pause);
  EXPECT_EQ(pause[1].pause, live_event::pause_change::resume);
  EXPECT_EQ(pause[1].at_ns, 1'500'000'000);
  expect_all_refused(parse_burst, {"10s:3", "10s:0:5s", "10s:x:5s", "10s:3:0s"}, "AT:MULTIPLIER:LENGTH");
  expect_all_refused(parse_pause, {"10s", "10s:0s", "later:1s"}, "AT:LENGTH");
}

TEST(Storm, BadSpecsAreExplained) {
  expect_all_refused(parse_storm, {"", "5s", "5s:0", "5s:1.5", "soon:0.3", "5s:lots", "5s:0.3:0s", "5s:0.3:1s:x", "5s:0.3x"},
                     "AT:FRACTION[:WINDOW]");
}

TEST(TimeDistribution, EveryFormParses) {
  const auto constant = parse_time_distribution("30s");
  EXPECT_EQ(constant.kind(), control::Distribution::CONSTANT);
  EXPECT_DOUBLE_EQ(constant.a(), 30);
  const auto exp = parse_time_distribution("exp:500ms");
  EXPECT_EQ(exp.kind(), control::Distribution::EXPONENTIAL);
  EXPECT_DOUBLE_EQ(exp.a(), 0.5);
  const auto uniform = parse_time_distribution("uniform:10s..1m");
  EXPECT_EQ(uniform.kind(), control::Distribution::UNIFORM);
  EXPECT_DOUBLE_EQ(uniform.a(), 10);
  EXPECT_DOUBLE_EQ(uniform.b(), 60);
  const auto normal = parse_time_distribution("normal:30s,5s");
  EXPECT_EQ(normal.kind(), control::Distribution::NORMAL);
  EXPECT_DOUBLE_EQ(normal.b(), 5);
  const auto lognormal = parse_time_distribution("lognormal:2s,0.5");
  EXPECT_EQ(lognormal.kind(), control::Distribution::LOG_NORMAL);
  EXPECT_DOUBLE_EQ(lognormal.b(), 0.5);
}

TEST(TimeDistribution, MistakesAreExplained) {
  expect_all_refused(parse_time_distribution,
                     {"", "soon", "exp:", "uniform:10s", "uniform:60s..10s", "normal:30s", "lognormal:2s,wide", "gamma:3s",
                      "-5s"},
                     "expected 30s, exp:30s");
}

TEST(StandalonePlan, ArrivalRateMakesAnOpenModelWithAFlatRate) {
  standalone_options o;
  o.token_secret = "s";
  o.arrival_rate_per_s = 20;
  o.duration_ns = 3'000'000'000;
  o.session_duration = "1s";
  const auto plan = standalone_plan(o);
  EXPECT_EQ(plan.arrival(), control::ARRIVAL_OPEN);
  EXPECT_DOUBLE_EQ(plan.session_duration().a(), 1.0);
  // 20 arrivals a second for 3 s: exactly 60 arrivals on the shared timeline.
  const stage_curve curve(plan.stages());
  std::uint64_t arrivals = 0;
  while (arrival_time(curve, arrivals) >= 0) ++arrivals;
  EXPECT_EQ(arrivals, 60u);
  EXPECT_EQ(arrival_time(curve, 0), 25'000'000);  // the first half a gap in
}

TEST(StandalonePlan, ThinkTimeReplacesTheRate) {
  standalone_options o;
  o.token_secret = "s";
  o.rate_per_s = 0;
  o.think_time = "exp:2s";
  const auto plan = standalone_plan(o);
  EXPECT_EQ(plan.send_model(), control::SEND_THINK_TIME);
  EXPECT_EQ(plan.think_time().kind(), control::Distribution::EXPONENTIAL);
  o.token_secret.clear();
  EXPECT_THROW(standalone_plan(o), std::invalid_argument) << "thinking users send, so they need a token";
}

}  // namespace
}  // namespace throng::agent
