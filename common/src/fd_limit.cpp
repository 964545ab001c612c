#include "throng/common/fd_limit.hpp"

#include <sys/resource.h>

namespace throng {

std::uint64_t raise_open_file_limit(std::uint64_t reserve) noexcept {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024 > reserve ? 1024 - reserve : 1;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur == RLIM_INFINITY) return UINT32_MAX;
  return lim.rlim_cur > reserve ? lim.rlim_cur - reserve : 1;
}

}  // namespace throng
