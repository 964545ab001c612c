#pragma once
// Fills a SQLite or PostgreSQL store with realistic history, so a test can
// start against a server that already holds months of data.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace throng::server {

struct seed_options {
  std::string store_path = "throng.db";
  std::vector<std::string> postgres_urls;  // when set, PostgreSQL (sharded like the server) instead of SQLite
  double months = 1;              // history spans this far back from now
  std::uint32_t rooms = 10;       // room-0 ... room-N-1 (room_prefix + index)
  std::string room_prefix = "room-";
  double rate_per_s = 1;          // messages per second over all rooms, in history time
  double zipf_skew = 1.0;         // 0 = rooms equally busy; higher = a few hot rooms
  std::uint32_t users = 1000;     // senders user-0 ... user-N-1
  std::uint32_t message_bytes = 80;
  std::uint64_t seed = 1;
};

// Appends to the rooms' existing history (seq continues). Calls progress(done,
// total) now and then. Returns the number of messages written.
std::uint64_t seed_store(const seed_options& options,
                         const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace throng::server
