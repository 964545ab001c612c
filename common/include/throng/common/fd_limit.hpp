#pragma once
// The open-file limit decides how many sockets one process may hold (20,000
// here, and root cannot raise the hard limit). Every binary that holds many
// connections raises its soft limit to the hard one first.

#include <cstdint>

namespace throng {

// Raises the soft RLIMIT_NOFILE to the hard limit and returns how many
// descriptors are then left for sockets after keeping `reserve` for the
// process's own files (listeners, logs, stores).
std::uint64_t raise_open_file_limit(std::uint64_t reserve = 64) noexcept;

}  // namespace throng
