// The connections' slab pool: freed blocks are reused before a new slab is
// carved, other sizes go to the general heap, and each object keeps its pool
// alive, so the pool may be dropped before the objects in it.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <set>
#include <vector>

#include "slab_pool.hpp"

namespace throng::agent {
namespace {

struct connection_like {
  char state[184];
};

TEST(SlabPool, FreedBlocksAreReusedAndObjectsShareSlabs) {
  auto pool = std::make_shared<slab_pool>();
  slab_allocator<connection_like> alloc(pool);
  std::vector<std::shared_ptr<connection_like>> live;
  for (int i = 0; i < 1000; ++i) live.push_back(std::allocate_shared<connection_like>(alloc));
  const std::size_t slabs = pool->slabs();
  EXPECT_LE(slabs * slab_pool::slab_bytes, 1000 * 256 + slab_pool::slab_bytes) << "about one block per object";
  std::set<const void*> freed;
  for (int i = 0; i < 1000; i += 2) {
    freed.insert(live[static_cast<std::size_t>(i)].get());
    live[static_cast<std::size_t>(i)].reset();
  }
  // As many new objects as were freed: all in the freed places, no new slab.
  std::size_t reused = 0;
  for (int i = 0; i < 1000; i += 2) {
    live[static_cast<std::size_t>(i)] = std::allocate_shared<connection_like>(alloc);
    reused += freed.count(live[static_cast<std::size_t>(i)].get());
  }
  EXPECT_EQ(reused, 500u);
  EXPECT_EQ(pool->slabs(), slabs);
}

TEST(SlabPool, OtherSizesGoToTheHeapAndObjectsOutliveTheirOwnersHandle) {
  auto pool = std::make_shared<slab_pool>();
  auto first = std::allocate_shared<connection_like>(slab_allocator<connection_like>(pool));
  const std::size_t slabs = pool->slabs();
  // A different size: not from the pool's slabs.
  auto other = std::allocate_shared<std::array<char, 1000>>(slab_allocator<std::array<char, 1000>>(pool));
  EXPECT_EQ(pool->slabs(), slabs);
  std::weak_ptr<slab_pool> watch = pool;
  pool.reset();  // the owner lets go first (a worker torn down before its loop's handlers)
  EXPECT_FALSE(watch.expired()) << "live objects keep their pool";
  first->state[0] = 'x';
  first.reset();
  other.reset();
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace throng::agent
