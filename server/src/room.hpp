#pragma once
// Room state kept by the room's owner shard: the sequence counter, the recent
// committed history, how many members each shard holds (to fan out only
// where needed) and the presence changes waiting for the next update.

#include <array>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "fanout.hpp"
#include "room_names.hpp"
#include "transform.hpp"

namespace throng::server {

struct pending_presence {
  std::vector<std::string> joined;
  std::vector<std::string> left;
  std::set<std::string> typing;
  bool dirty = false;
};

// With the Redis bus, a room's state on this instance follows its stream
// while the instance has members in it.
enum class bus_state : std::uint8_t { unsubscribed, subscribing, subscribed };

struct owned_room {
  std::string name;
  transform_style transform = transform_style::none;
  std::size_t history_depth = 10;      // replayed on a plain join
  std::uint64_t next_seq = 1;
  std::deque<fanout_ptr> history;      // committed, newest at the back
  std::vector<std::uint32_t> members_per_shard;
  std::array<std::uint32_t, delivery_form_count> members_per_form{};
  pending_presence presence;
  bus_state bus = bus_state::unsubscribed;

  bool has_members_of(delivery_form f) const { return members_per_form[static_cast<std::size_t>(f)] > 0; }
  bool has_json_members() const {
    return has_members_of(delivery_form::json) || has_members_of(delivery_form::json_compact);
  }
  bool has_compact_members() const {
    return has_members_of(delivery_form::binary_compact) || has_members_of(delivery_form::json_compact);
  }
  std::uint32_t members() const {
    std::uint32_t n = 0;
    for (auto m : members_per_form) n += m;
    return n;
  }
};

}  // namespace throng::server
