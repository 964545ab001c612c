#include <gtest/gtest.h>

#include "throng/agent/agent.hpp"

namespace throng::agent {
namespace {

TEST(AllowList, LoopbackIsAlwaysAllowed) {
  agent_config config;
  EXPECT_TRUE(target_allowed(config, "127.0.0.1"));
  EXPECT_TRUE(target_allowed(config, "127.3.4.5"));
  EXPECT_TRUE(target_allowed(config, "::1"));
  EXPECT_TRUE(target_allowed(config, "localhost"));
}

TEST(AllowList, OtherHostsOnlyWhenListed) {
  agent_config config;
  EXPECT_FALSE(target_allowed(config, "10.0.0.5"));
  EXPECT_FALSE(target_allowed(config, "chat.example.com"));
  config.allowed_targets = {"chat.example.com"};
  EXPECT_TRUE(target_allowed(config, "chat.example.com"));
  EXPECT_FALSE(target_allowed(config, "evil.example.com"));
}

}  // namespace
}  // namespace throng::agent
