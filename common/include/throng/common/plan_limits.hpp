#pragma once
// Bounds of what a run may ask of its agents, the same whether the plan comes
// from a scenario file or from a standalone agent's flags.

#include <cstdint>

namespace throng {

// The most user slots one run may have: every agent walks them all to count room members.
inline constexpr std::uint64_t max_user_slots = 100'000'000;
// The largest message body (each send renders its body whole).
inline constexpr std::uint64_t max_message_bytes = 16 * 1024 * 1024;
// The largest duplication factor (the server expands each body this many times).
inline constexpr std::uint32_t max_dup_factor = 10'000;

}  // namespace throng
