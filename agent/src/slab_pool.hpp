#pragma once
// Blocks of one size carved from 64 KiB slabs, for the long-lived state of
// connections. Connections are created in the middle of a connect storm,
// between the short-lived frames and buffers of thousands of attempts; from
// malloc's heap each would pin a page that is otherwise free once the storm
// is over. From slabs of their own they sit together, and the storm's memory
// goes back to the system whole. Used on one thread.

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace throng::agent {

class slab_pool {
 public:
  slab_pool() = default;
  slab_pool(const slab_pool&) = delete;
  slab_pool& operator=(const slab_pool&) = delete;

  // The first size asked for is the pool's block size; any other size goes to operator new.
  void* allocate(std::size_t n) {
    if (block_ == 0) block_ = round_up(n);
    if (round_up(n) != block_) return ::operator new(n);
    if (!free_) grow();
    node* b = free_;
    free_ = b->next;
    return b;
  }
  void deallocate(void* p, std::size_t n) noexcept {
    if (round_up(n) != block_) {
      ::operator delete(p);
      return;
    }
    free_ = new (p) node{free_};
  }
  std::size_t slabs() const noexcept { return slabs_.size(); }

  static constexpr std::size_t slab_bytes = 64 * 1024;

 private:
  struct node {
    node* next;
  };
  static std::size_t round_up(std::size_t n) {
    constexpr std::size_t a = alignof(std::max_align_t);
    return (std::max(n, sizeof(node)) + a - 1) / a * a;
  }
  void grow() {
    slabs_.push_back(std::make_unique<std::byte[]>(slab_bytes));
    std::byte* base = slabs_.back().get();
    for (std::size_t off = 0; off + block_ <= slab_bytes; off += block_) free_ = new (base + off) node{free_};
  }

  std::size_t block_ = 0;
  node* free_ = nullptr;
  std::vector<std::unique_ptr<std::byte[]>> slabs_;
};

// For std::allocate_shared: each object keeps its pool alive, so a pool
// outlives every block, whatever order things are torn down in.
template <class T>
struct slab_allocator {
  using value_type = T;
  explicit slab_allocator(std::shared_ptr<slab_pool> p) : pool(std::move(p)) {}
  template <class U>
  slab_allocator(const slab_allocator<U>& other) : pool(other.pool) {}
  T* allocate(std::size_t n) { return static_cast<T*>(pool->allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { pool->deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const slab_allocator<U>& other) const noexcept {
    return pool == other.pool;
  }

  std::shared_ptr<slab_pool> pool;
};

}  // namespace throng::agent
