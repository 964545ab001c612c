#pragma once
// A fixed-capacity ring: pushing onto a full ring drops the oldest element.
// Index 0 is the oldest kept.

#include <cstddef>
#include <vector>

namespace throng::panel {

template <typename T>
class ring_buffer {
 public:
  explicit ring_buffer(std::size_t capacity) : items_(capacity ? capacity : 1) {}

  void push(T value) {
    items_[(start_ + size_) % items_.size()] = std::move(value);
    if (size_ < items_.size()) ++size_;
    else start_ = (start_ + 1) % items_.size();
  }
  void clear() noexcept { start_ = size_ = 0; }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return items_.size(); }
  bool empty() const noexcept { return size_ == 0; }
  const T& operator[](std::size_t i) const { return items_[(start_ + i) % items_.size()]; }
  const T& back() const { return (*this)[size_ - 1]; }

  // Oldest first.
  std::vector<T> to_vector() const {
    std::vector<T> out;
    out.reserve(size_);
    for (std::size_t i = 0; i < size_; ++i) out.push_back((*this)[i]);
    return out;
  }

 private:
  std::vector<T> items_;
  std::size_t start_ = 0;
  std::size_t size_ = 0;
};

}  // namespace throng::panel
