#include <gtest/gtest.h>

#include "control.pb.h"
#include "throng/agent/agent.hpp"

namespace throng::agent {
namespace {

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
  const auto error_of = [](standalone_options o) {
    try {
      standalone_plan(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
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
}

TEST(Storm, ParsesAtFractionAndWindow) {
  const auto s = parse_storm("5s:0.3:2s");
  EXPECT_EQ(s.at_ns, 5'000'000'000);
  EXPECT_DOUBLE_EQ(s.fraction, 0.3);
  EXPECT_EQ(s.window_ns, 2'000'000'000);
  const auto defaults = parse_storm("1500ms:1");
  EXPECT_EQ(defaults.at_ns, 1'500'000'000);
  EXPECT_EQ(defaults.window_ns, 1'000'000'000);
}

TEST(Storm, BadSpecsAreExplained) {
  for (const char* bad : {"", "5s", "5s:0", "5s:1.5", "soon:0.3", "5s:lots", "5s:0.3:0s", "5s:0.3:1s:x", "5s:0.3x"}) {
    try {
      parse_storm(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("AT:FRACTION[:WINDOW]"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace throng::agent
