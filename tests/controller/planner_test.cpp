#include "throng/controller/planner.hpp"
#include "throng/controller/scenario.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include <numeric>

namespace throng::controller {
namespace {

void expect_partition(const std::vector<user_share>& shares, std::uint64_t total) {
  std::uint64_t next = 0;
  for (const auto& s : shares) {
    EXPECT_EQ(s.first_user, next);
    next += s.user_count;
  }
  EXPECT_EQ(next, total);
}

TEST(Planner, EqualCapacitiesSplitEvenlyAndExactly) {
  const auto shares = split_users(10, {1, 1, 1});
  expect_partition(shares, 10);
  EXPECT_EQ(shares[0].user_count, 3u);
  EXPECT_EQ(shares[1].user_count, 3u);
  EXPECT_EQ(shares[2].user_count, 4u);
}

TEST(Planner, WeightsFollowCapacity) {
  const auto shares = split_users(1'000'000, {10'000, 30'000, 60'000});
  expect_partition(shares, 1'000'000);
  EXPECT_EQ(shares[0].user_count, 100'000u);
  EXPECT_EQ(shares[1].user_count, 300'000u);
  EXPECT_EQ(shares[2].user_count, 600'000u);
}

TEST(Planner, FewUsersOverManyAgentsStillAddUp) {
  std::vector<std::uint32_t> caps(1000, 7);
  const auto shares = split_users(3, caps);
  expect_partition(shares, 3);
  std::uint64_t busy = 0;
  for (const auto& s : shares) busy += s.user_count ? 1 : 0;
  EXPECT_EQ(busy, 3u);
}

TEST(Planner, HugeCountsDoNotOverflow) {
  const auto shares = split_users(1'000'000'000'000ULL, {4'000'000'000U, 4'000'000'000U, 1});
  expect_partition(shares, 1'000'000'000'000ULL);
}

TEST(Planner, AllZeroCapacitiesFallBackToEqualShares) {
  const auto shares = split_users(4, {0, 0});
  expect_partition(shares, 4);
  EXPECT_EQ(shares[0].user_count, 2u);
}

}  // namespace
}  // namespace throng::controller

namespace throng::controller {
namespace {

user_group group_of(std::uint64_t users) {
  user_group g;
  g.users = users;
  return g;
}

TEST(AssignGroups, EveryGroupGetsAnAgentAndTheRestFollowTheLoad) {
  const std::vector<user_group> groups{group_of(900), group_of(100)};
  const auto owner = assign_groups(groups, {10, 10, 10, 10, 10});
  ASSERT_EQ(owner.size(), 5u);
  EXPECT_EQ(owner[0], 0u);
  EXPECT_EQ(owner[1], 1u);
  EXPECT_EQ(std::count(owner.begin(), owner.end(), 0u), 4) << "the big group takes the spare agents";
  EXPECT_TRUE(assign_groups(groups, {10}).empty()) << "fewer agents than groups cannot be planned";
}

TEST(MakePlan, CarriesTheGroupBehaviourAndTheAgentShare) {
  scenario s;
  s.seed = 7;
  s.test_token_secret = "secret";
  user_group g;
  g.scenario = "chat";
  g.name = "bots";
  g.users = 100;
  g.executor = executor_kind::ramping_users;
  g.stages = {{1'000'000'000, 100}, {2'000'000'000, 50}};
  g.duration_ns = 3'000'000'000;
  g.graceful_stop_ns = 500'000'000;
  g.does.rooms = 9;
  g.does.room_choice = control::ROOMS_ZIPF;
  g.does.zipf_s = 1.3;
  g.does.send_model = control::SEND_POISSON;
  g.does.sends_per_user_per_s = 0.5;
  g.does.connect_rate = 100;
  g.does.connect_attempts = 9;
  g.does.auth = control::AUTH_REGISTER_LOGIN;
  const auto plan = share_plan(make_plan(s, g, {"run-1", {"ws://127.0.0.1:1/ws", "ws://127.0.0.1:2/ws"}, "http://127.0.0.1:1", 3}), {40, 25});
  EXPECT_EQ(plan.seed(), 10u);
  EXPECT_EQ(plan.total_users(), 100u);
  EXPECT_EQ(plan.first_user(), 40u);
  EXPECT_EQ(plan.user_count(), 25u);
  EXPECT_EQ(plan.extra_target_urls_size(), 1);
  EXPECT_EQ(plan.stages_size(), 2);
  EXPECT_EQ(plan.arrival(), control::ARRIVAL_CLOSED);
  EXPECT_EQ(plan.room_choice(), control::ROOMS_ZIPF);
  EXPECT_DOUBLE_EQ(plan.zipf_s(), 1.3);
  EXPECT_EQ(plan.send_model(), control::SEND_POISSON);
  EXPECT_DOUBLE_EQ(plan.connect_rate(), 25.0) << "the agent's share of the group's connect rate";
  EXPECT_EQ(plan.max_connect_attempts(), 9u);
  EXPECT_EQ(plan.drain_ns(), 500'000'000);
  EXPECT_EQ(plan.user_prefix(), "run-1-chat-bots-");
  EXPECT_EQ(plan.auth_url(), "http://127.0.0.1:1");
  EXPECT_EQ(plan.message_bytes(), 64u) << "unset message size: 64 bytes";
}

}  // namespace
}  // namespace throng::controller

#include "throng/controller/estimate.hpp"

namespace throng::controller {
namespace {

TEST(Estimate, LittlesLawRoomReachAndAgents) {
  const auto r = parse_scenario(R"(
target: {spawn: reference-server}
scenarios:
  closed: {users: 1000, duration: 1m, rooms: 10, rate: 100/s}
  open:
    executor: constant-arrival-rate
    arrival_rate: 50/s
    duration: 10m
    session_duration: exp:2m
    rate_per_user: 6/m
    rooms: 100
    zipf: 1.0
)", "estimate.yaml");
  ASSERT_TRUE(r.value);
  const auto e = estimate(*r.value, 1000);
  ASSERT_EQ(e.groups.size(), 2u);
  const auto& closed = e.groups[0];
  EXPECT_DOUBLE_EQ(closed.peak_users, 1000);
  EXPECT_DOUBLE_EQ(closed.sends_per_s, 100);
  EXPECT_DOUBLE_EQ(closed.members_per_send, 100) << "1000 users over 10 rooms";
  EXPECT_DOUBLE_EQ(closed.deliveries_per_s, 10'000);
  EXPECT_EQ(closed.agents_needed, 1u);
  const auto& open = e.groups[1];
  EXPECT_DOUBLE_EQ(open.peak_users, 6000) << "50/s x 120 s";
  EXPECT_DOUBLE_EQ(open.sends_per_s, 600);
  EXPECT_GT(open.hottest_room_members, 6000 / 100.0 * 5) << "Zipf: room 0 is far above the mean";
  EXPECT_GT(open.members_per_send, 60) << "skew raises the expected reach above the mean room size";
  EXPECT_EQ(open.agents_needed, 6u);
  EXPECT_EQ(e.agents_needed, 7u);
  EXPECT_NE(format_estimate(*r.value, e, 1000).find("Little's law"), std::string::npos);
}

}  // namespace
}  // namespace throng::controller

namespace throng::controller {
namespace {

TEST(SharedRooms, EveryGroupCountsTheMembersOthersKeepInItsRooms) {
  scenario s;
  const auto group = [](std::uint64_t users, std::uint32_t rooms) {
    user_group g;
    g.users = users;
    g.duration_ns = 1'000'000'000;
    g.does.rooms = rooms;
    return g;
  };
  std::vector<user_group> groups{group(10, 2), group(6, 3), group(4, 1)};
  groups[2].does.room_choice = control::ROOMS_LIST;
  groups[2].does.room_list = {"room-1", "elsewhere"};
  std::vector<control::Plan> plans;
  for (const auto& g : groups) plans.push_back(make_plan(s, g, {"run", {"ws://127.0.0.1:1/ws"}, "", 0}));
  add_shared_room_members(groups, plans);
  // room-0: 5 of group 0, 2 of group 1; room-1: 5 + 2 + 4 (the list group); room-2: group 1 only.
  EXPECT_EQ(std::vector<std::uint32_t>(plans[0].room_members_elsewhere().begin(), plans[0].room_members_elsewhere().end()),
            (std::vector<std::uint32_t>{2, 6}));
  EXPECT_EQ(std::vector<std::uint32_t>(plans[1].room_members_elsewhere().begin(), plans[1].room_members_elsewhere().end()),
            (std::vector<std::uint32_t>{5, 9, 0}));
  EXPECT_EQ(std::vector<std::uint32_t>(plans[2].room_members_elsewhere().begin(), plans[2].room_members_elsewhere().end()),
            (std::vector<std::uint32_t>{7, 0}));
  EXPECT_FALSE(plans[0].membership_varies_elsewhere());

  // A group whose sessions come and go makes `expected` unknowable for those sharing its rooms.
  groups[1].does.session_duration.set_kind(control::Distribution::EXPONENTIAL);
  groups[1].does.session_duration.set_a(10);
  plans.clear();
  for (const auto& g : groups) plans.push_back(make_plan(s, g, {"run", {"ws://127.0.0.1:1/ws"}, "", 0}));
  add_shared_room_members(groups, plans);
  EXPECT_TRUE(plans[0].membership_varies_elsewhere());
  EXPECT_TRUE(plans[2].membership_varies_elsewhere());
}

}  // namespace
}  // namespace throng::controller
