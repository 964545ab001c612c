#pragma once
// The allocator setting the server runs with.

namespace throng::server {

// glibc's per-thread cache of freed blocks, per size: every message allocates
// and frees a few blocks of the same sizes, and with glibc's default of 7 the
// frees of a batch spill into the fast bins, whose consolidation took about a
// tenth of the shard's time at 100,000 durable sends/s.
inline constexpr const char* malloc_tunables = "glibc.malloc.tcache_count=4096";

// Re-executes this program with `malloc_tunables` (read by glibc only at
// start) unless GLIBC_TUNABLES is already set: by the user, whose choice
// stands, or by the re-execution itself. Returns only without re-executing.
void use_large_malloc_cache(char** argv);

}  // namespace throng::server
