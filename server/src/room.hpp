#pragma once
// Room state kept by the room's owner shard: the sequence counter, the recent
// history and how many members each shard holds (to fan out only where needed).

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "fanout.hpp"

namespace throng::server {

struct owned_room {
  std::string name;
  std::uint64_t next_seq = 1;
  std::deque<fanout_ptr> history;         // newest at the back
  std::vector<std::uint32_t> members_per_shard;
  std::vector<std::uint32_t> json_members_per_shard;

  bool has_json_members() const {
    for (auto n : json_members_per_shard)
      if (n) return true;
    return false;
  }
};

// Names of 1..64 characters from [A-Za-z0-9_.:-].
bool valid_room_name(const std::string& name) noexcept;

}  // namespace throng::server
