// The capacity planner: the seed population (1 billion MAU, 1 trillion
// messages a month) and what follows from it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "throng/controller/capacity.hpp"

namespace throng::controller {
namespace {

population_model billion() {
  population_model m;
  m.monthly_active_users = 1e9;
  m.messages_per_month = 1e12;
  m.regions = {"us-east-1", "eu-west-1", "ap-southeast-1", "sa-east-1"};
  return m;
}

TEST(CapacityPlan, ABillionUsersAndATrillionMessagesAMonth) {
  const auto m = billion();
  const auto p = plan_capacity(m);
  EXPECT_NEAR(p.average_sends_per_s, 385'802, 1);  // 1e12 / (30 x 86,400 s)
  EXPECT_NEAR(p.peak_sends_per_s, 3 * 385'802.5, 3);
  EXPECT_NEAR(p.average_deliveries_per_s, 20 * 385'802.5, 20);
  EXPECT_NEAR(p.peak_deliveries_per_s, 60 * 385'802.5, 60);
  EXPECT_DOUBLE_EQ(p.concurrent_connections, 1e8);  // 10% of the MAU
  ASSERT_EQ(p.regions.size(), 4u);
  // 25M connections per region at 10k users per agent.
  for (const auto& r : p.regions) {
    EXPECT_EQ(r.agents, 2500u);
    EXPECT_EQ(r.bound_by, "connections");
  }
  EXPECT_EQ(p.agents, 10'000u);
  // An hour at the peak: (deliveries + sends) x 200 B.
  const double gb = (p.peak_deliveries_per_s + p.peak_sends_per_s) * 3600 * 200 / 1e9;
  EXPECT_NEAR(p.egress_gb, gb, 1e-6);
  EXPECT_NEAR(p.egress_usd, gb * 0.09, 1e-6);
  EXPECT_DOUBLE_EQ(p.instance_hours, 10'000);
  EXPECT_DOUBLE_EQ(p.instance_usd, 850);
}

TEST(CapacityPlan, TheDupFactorMultipliesEgressOnly) {
  auto m = billion();
  m.dup_factor = 4;
  const auto p = plan_capacity(m);
  EXPECT_NEAR(p.egress_gb, 4 * p.egress_gb_without_dup, 1e-6);
  EXPECT_NEAR(p.egress_usd_without_dup, plan_capacity(billion()).egress_usd, 1e-6);
  EXPECT_EQ(p.agents, 10'000u);
  EXPECT_NE(format_capacity(m, p).find("without the dup factor"), std::string::npos);
}

TEST(CapacityPlan, FewUsersWhoTalkALotAreBoundBySendsOrDeliveries) {
  population_model m;
  m.monthly_active_users = 100'000;
  m.messages_per_month = 1e11;  // ~38.6k/s average, 115.7k/s peak
  m.fan_out = 50;
  const auto p = plan_capacity(m);
  ASSERT_EQ(p.regions.size(), 1u);
  // 10k connections need 1 agent, 115.7k sends 2, 5.8M deliveries 49.
  EXPECT_EQ(p.regions[0].agents, 49u);
  EXPECT_EQ(p.regions[0].bound_by, "deliveries");
}

TEST(CapacityPlan, TfvarsNameEveryRegionsAgents) {
  const auto m = billion();
  const auto json = nlohmann::json::parse(capacity_tfvars_json(m, plan_capacity(m)));
  ASSERT_EQ(json["agent_regions"].size(), 4u);
  EXPECT_EQ(json["agent_regions"]["eu-west-1"]["agents"], 2500);
  EXPECT_EQ(json["agent_instance_types"].size(), 3u);
  EXPECT_EQ(json["max_lifetime_hours"], 2);
}

TEST(CapacityPlan, BadInputNamesTheFlag) {
  population_model m;
  m.concurrency_ratio = 2;
  m.regions = {"eu-west-1", ""};
  const auto problems = m.problems();
  const auto has = [&](const char* flag) {
    for (const auto& p : problems)
      if (p.find(flag) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("--mau"));
  EXPECT_TRUE(has("--messages-per-month"));
  EXPECT_TRUE(has("--concurrency"));
  EXPECT_TRUE(has("--regions: a region name is empty"));
  m.regions.clear();
  EXPECT_FALSE(m.problems().empty());
  EXPECT_TRUE(billion().problems().empty());
}

}  // namespace
}  // namespace throng::controller
