#include "throng/server/malloc_cache.hpp"

#include <unistd.h>

#include <cstdlib>

namespace throng::server {

void use_large_malloc_cache(char** argv) {
  if (std::getenv("GLIBC_TUNABLES")) return;
  ::setenv("GLIBC_TUNABLES", malloc_tunables, 1);
  ::execv("/proc/self/exe", argv);
  ::unsetenv("GLIBC_TUNABLES");  // no re-execution (no /proc?): run with the defaults
}

}  // namespace throng::server
