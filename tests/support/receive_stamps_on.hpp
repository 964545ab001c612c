#pragma once
// Receive stamps switched on for a test: the kernel turns them on a moment
// after the first socket of the host asks, and until then segments come
// unstamped. Holding one of these (a stamped UDP socket kept open, which
// keeps them on) returns once a datagram to itself comes stamped.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "throng/common/receive_stamps.hpp"

namespace throng {

struct receive_stamps_on {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  receive_stamps_on() {
    enable_receive_stamps(fd);
    sockaddr_in self{};
    self.sin_family = AF_INET;
    self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof self;
    ::bind(fd, reinterpret_cast<sockaddr*>(&self), len);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len);
    for (int attempt = 0; attempt < 1000; ++attempt) {
      ::sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&self), len);
      char byte;
      std::int64_t arrival = 0;
      if (recv_stamped(fd, &byte, 1, arrival, 0) == 1 && arrival) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~receive_stamps_on() { ::close(fd); }
  receive_stamps_on(const receive_stamps_on&) = delete;
  receive_stamps_on& operator=(const receive_stamps_on&) = delete;
};

}  // namespace throng
