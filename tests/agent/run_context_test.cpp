// What every user of a run derives from the plan: its rooms, its body, and
// the room membership behind `expected`.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "model/message_body.hpp"
#include "run_context.hpp"

namespace throng::agent {
namespace {

std::shared_ptr<run_context> prepare(const control::Plan& plan) {
  std::string error;
  target t{ws_url{"127.0.0.1", 7800, "/ws", false}, tcp::endpoint(net::ip::make_address("127.0.0.1"), 7800)};
  auto run = run_context::prepare(plan, {t}, {}, error);
  EXPECT_TRUE(run) << error;
  return run;
}

control::Plan plan_with(control::RoomChoice choice, std::uint32_t rooms, std::uint32_t per_user, std::uint64_t users = 1000) {
  control::Plan plan;
  plan.set_run_id("r1");
  plan.set_seed(7);
  plan.set_total_users(users);
  plan.set_user_count(users);
  plan.set_rooms(rooms);
  plan.set_room_prefix("room-");
  plan.set_room_choice(choice);
  plan.set_rooms_per_user(per_user);
  plan.set_zipf_s(1.0);
  plan.set_duration_ns(1'000'000'000);
  return plan;
}

TEST(RunContext, RoundRobinRoomsFollowTheUser) {
  const auto run = prepare(plan_with(control::ROOMS_ROUND_ROBIN, 10, 3));
  EXPECT_EQ(run->rooms_of(8), (std::vector<std::uint32_t>{8, 9, 0}));
  EXPECT_EQ(run->room_name(9), "room-9");
}

TEST(RunContext, ConnectAttemptsComeFromThePlanOrDefaultToFive) {
  auto plan = plan_with(control::ROOMS_ROUND_ROBIN, 10, 1);
  EXPECT_EQ(prepare(plan)->max_connect_attempts, 5u);
  plan.set_max_connect_attempts(12);
  EXPECT_EQ(prepare(plan)->max_connect_attempts, 12u);
}

TEST(RunContext, ZipfRoomsAreDistinctSkewedAndTheSameForTheSameSeed) {
  const auto run = prepare(plan_with(control::ROOMS_ZIPF, 50, 2, 5000));
  std::map<std::uint32_t, int> members;
  for (std::uint64_t u = 0; u < 5000; ++u) {
    const auto rooms = run->rooms_of(u);
    ASSERT_EQ(rooms.size(), 2u);
    ASSERT_NE(rooms[0], rooms[1]);
    for (auto r : rooms) ++members[r];
  }
  EXPECT_GT(members[0], 5 * members[40]) << "the head room is hot";
  EXPECT_EQ(prepare(plan_with(control::ROOMS_ZIPF, 50, 2, 5000))->rooms_of(123), run->rooms_of(123));
  // A fixed population knows each room's members for `expected`.
  ASSERT_EQ(run->room_members.size(), 50u);
  for (std::uint32_t r = 0; r < 50; ++r) EXPECT_EQ(run->room_members[r], static_cast<std::uint32_t>(members[r]));
}

TEST(RunContext, AListOfRoomsIsJoinedByEveryone) {
  auto plan = plan_with(control::ROOMS_LIST, 0, 1);
  for (const char* name : {"lobby", "bestie-lounge"}) plan.add_room_list(name);
  const auto run = prepare(plan);
  EXPECT_EQ(run->rooms_of(5), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(run->room_name(1), "bestie-lounge");
}

// A plan from any controller is held to the limits a scenario has: a huge
// body or dup factor would exhaust the agent, not load the target.
TEST(RunContext, APlanBeyondTheMessageLimitsIsRefused) {
  const target t{ws_url{"127.0.0.1", 7800, "/ws", false}, tcp::endpoint(net::ip::make_address("127.0.0.1"), 7800)};
  const auto refusal = [&](const control::Plan& plan) {
    std::string error;
    const auto run = run_context::prepare(plan, {t}, {}, error);
    EXPECT_EQ(run == nullptr, !error.empty());
    return error;
  };
  auto plan = plan_with(control::ROOMS_ROUND_ROBIN, 10, 1);
  plan.set_message_bytes(16 * 1024 * 1024);
  plan.set_dup_factor(10'000);
  EXPECT_EQ(refusal(plan), "");
  plan.set_message_bytes(16 * 1024 * 1024 + 1);
  EXPECT_EQ(refusal(plan), "plan's messages are larger than the 16777216 bytes allowed");
  plan.set_message_bytes(64);
  plan.mutable_message_size()->set_kind(control::Distribution::UNIFORM);
  plan.mutable_message_size()->set_a(100);
  plan.mutable_message_size()->set_b(1e12);
  EXPECT_EQ(refusal(plan), "plan's messages are larger than the 16777216 bytes allowed");
  plan.clear_message_size();
  plan.set_dup_factor(10'001);
  EXPECT_EQ(refusal(plan), "plan's dup_factor 10001 is more than the 10000 allowed");
}

TEST(RunContext, UserNamesRoundTrip) {
  const auto run = prepare(plan_with(control::ROOMS_UNIFORM, 10, 1));
  EXPECT_EQ(run->user_name(42), "r1-u42");
  EXPECT_EQ(run->user_of("r1-u42"), 42u);
  EXPECT_FALSE(run->user_of("someone-else"));
}

TEST(MessageBody, TemplateIsFilledAndSizedExactly) {
  std::string body;
  render_body("hi from {user}, message {n}!", "r1-u7", 12, 40, body);
  EXPECT_EQ(body, "hi from r1-u7, message 12!xxxxxxxxxxxxxx");
  render_body("{user}{user}", "ab", 1, 3, body);
  EXPECT_EQ(body, "aba") << "cut to the size";
  render_body("", "u", 3, 8, body);
  EXPECT_EQ(body, "u #3 xxx");
}

}  // namespace
}  // namespace throng::agent
