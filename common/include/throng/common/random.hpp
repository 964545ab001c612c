#pragma once
// Seeded randomness for behaviour models. Every choice of a run derives from
// the plan's seed and a stable key (user, session, purpose), so the same plan
// gives the same users, rooms and schedules on any agent.

#include <cstdint>

namespace throng {

// SplitMix64 finaliser: a cheap, well-mixed hash.
constexpr std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b) { return mix(a ^ mix(b)); }
constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) { return mix(mix(a, b), c); }

// Purposes, so that streams for different choices of one user never coincide.
enum class stream : std::uint64_t { rooms = 1, sends = 2, session = 3, storm = 4, backoff = 5, sizes = 6, arrivals = 7 };

// A small PRNG (SplitMix64 sequence): 8 bytes of state per stream.
class rng {
 public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  rng(std::uint64_t seed, std::uint64_t key, stream purpose)
      : state_(mix(seed, key, static_cast<std::uint64_t>(purpose))) {}

  std::uint64_t next() { return mix(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return n ? static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64) : 0; }

 private:
  std::uint64_t state_;
};

}  // namespace throng
