#include "throng/controller/planner.hpp"

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
