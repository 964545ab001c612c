#include "throng/common/fd_poller.hpp"

#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <system_error>

#include "throng/common/net.hpp"

namespace throng {
namespace {
constexpr std::size_t events_per_wait = 256;
constexpr int waits_per_turn = 4;  // then the loop's other handlers get their turn

struct : fd_watcher {
  void on_ready(std::uint32_t) override {}
} parked;
}  // namespace

struct fd_poller::impl {
  explicit impl(net::io_context& io) : set(io) {
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    set.assign(fd);
  }
  net::posix::stream_descriptor set;
  bool armed = false;
};

fd_poller::fd_poller(net::io_context& io) : impl_(std::make_unique<impl>(io)), ready_(events_per_wait) {}

fd_poller::~fd_poller() = default;

bool fd_poller::watch(int fd, fd_watcher* watcher) {
  const auto slot = static_cast<std::size_t>(fd);
  if (slot >= watchers_.size()) watchers_.resize(slot + 1024, nullptr);
  // A parked descriptor is in the set already. Any other entry belongs to a
  // descriptor closed without forget() (a watcher destroyed with the loop
  // no longer running it): this one is a new socket with the same number.
  if (watchers_[slot] != &parked) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    if (::epoll_ctl(impl_->set.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0 && errno != EEXIST) return false;
  }
  watchers_[slot] = watcher;
  arm();
  return true;
}

void fd_poller::park(int fd) {
  const auto slot = static_cast<std::size_t>(fd);
  if (slot < watchers_.size() && watchers_[slot]) watchers_[slot] = &parked;
}

void fd_poller::forget(int fd, bool unregister) {
  const auto slot = static_cast<std::size_t>(fd);
  if (slot >= watchers_.size() || !watchers_[slot]) return;
  watchers_[slot] = nullptr;
  if (unregister) ::epoll_ctl(impl_->set.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
}

void fd_poller::arm() {
  if (impl_->armed) return;
  impl_->armed = true;
  impl_->set.async_wait(net::posix::stream_descriptor::wait_read, [this](error_code ec) {
    impl_->armed = false;
    if (ec) return;  // the loop is going away
    dispatch();
  });
}

void fd_poller::dispatch() {
  for (int wait = 0; wait < waits_per_turn; ++wait) {
    const int n = ::epoll_wait(impl_->set.native_handle(), ready_.data(), static_cast<int>(ready_.size()), 0);
    for (int i = 0; i < n; ++i) {
      const auto slot = static_cast<std::size_t>(ready_[i].data.fd);
      // A watcher may forget its own or another descriptor while these run.
      if (slot < watchers_.size() && watchers_[slot]) watchers_[slot]->on_ready(ready_[i].events);
    }
    if (n < static_cast<int>(ready_.size())) break;
  }
  arm();
}

}  // namespace throng
