#pragma once
// Software receive timestamps: when the kernel took a segment in, so that
// what happened after it (a late read) can be told from what happened before.

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <cstring>

namespace throng {

// Asks the kernel to stamp what `fd` receives. The host's first such socket
// turns the stamps on a moment later (a deferred switch); until then
// segments come unstamped.
inline void enable_receive_stamps(int fd) noexcept {
  const int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags);
}

// recv() that also gives the stamp (wall_ns) of the read's last segment in
// `arrival_ns`, 0 when the kernel gave none.
inline ssize_t recv_stamped(int fd, char* data, std::size_t size, std::int64_t& arrival_ns,
                            int flags = MSG_DONTWAIT) noexcept {
  iovec iov{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(scm_timestamping))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t got = ::recvmsg(fd, &msg, flags);
  arrival_ns = 0;
  if (got > 0)
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
        scm_timestamping stamps;
        std::memcpy(&stamps, CMSG_DATA(c), sizeof stamps);
        arrival_ns = stamps.ts[0].tv_sec * 1'000'000'000LL + stamps.ts[0].tv_nsec;
      }
  return got;
}

}  // namespace throng
