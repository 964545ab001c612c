#include <gtest/gtest.h>

#include "throng/panel/ring_buffer.hpp"

namespace throng::panel {
namespace {

TEST(RingBuffer, KeepsTheNewestInOrder) {
  ring_buffer<int> r(3);
  EXPECT_TRUE(r.empty());
  r.push(1);
  r.push(2);
  EXPECT_EQ(r.to_vector(), (std::vector<int>{1, 2}));
  r.push(3);
  r.push(4);
  r.push(5);
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.to_vector(), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(r[0], 3);
  EXPECT_EQ(r.back(), 5);
  r.clear();
  EXPECT_TRUE(r.empty());
  r.push(6);
  EXPECT_EQ(r.to_vector(), (std::vector<int>{6}));
}

}  // namespace
}  // namespace throng::panel
