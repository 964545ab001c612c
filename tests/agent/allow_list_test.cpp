#include <gtest/gtest.h>

#include "throng/agent/agent.hpp"

namespace throng::agent {
namespace {

TEST(AllowList, LoopbackIsAllowedWhenNoListIsGiven) {
  agent_config config;
  EXPECT_TRUE(target_allowed(config, "127.0.0.1", 7800));
  EXPECT_TRUE(target_allowed(config, "127.3.4.5", 1));
  EXPECT_TRUE(target_allowed(config, "::1", 7800));
  EXPECT_TRUE(target_allowed(config, "localhost", 7800));
  EXPECT_FALSE(target_allowed(config, "10.0.0.5", 7800));
  EXPECT_FALSE(target_allowed(config, "chat.example.com", 443));
}

TEST(AllowList, AHostEntryAllowsEveryPort) {
  agent_config config;
  config.allowed_targets = {"chat.example.com"};
  EXPECT_TRUE(target_allowed(config, "chat.example.com", 443));
  EXPECT_TRUE(target_allowed(config, "chat.example.com", 8080));
  EXPECT_FALSE(target_allowed(config, "evil.example.com", 443));
}

TEST(AllowList, AHostPortEntryAllowsOnlyThatPort) {
  agent_config config;
  config.allowed_targets = {"10.0.0.5:7800"};
  EXPECT_TRUE(target_allowed(config, "10.0.0.5", 7800));
  EXPECT_FALSE(target_allowed(config, "10.0.0.5", 7801));
}

TEST(AllowList, AGivenListReplacesTheLoopbackDefault) {
  agent_config config;
  config.allowed_targets = {"10.0.0.5"};
  EXPECT_FALSE(target_allowed(config, "127.0.0.1", 7800));
}

}  // namespace
}  // namespace throng::agent
