#pragma once
// One shard: an io_context on its own thread, its listener, its sessions, the
// rooms it owns and, per room, its local members. Everything here is touched
// only from the shard's thread; other shards reach it by posting.

#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "room.hpp"
#include "server_metrics.hpp"
#include "throng/common/net.hpp"
#include "throng/server/server.hpp"

namespace throng::server {

class session;
struct shard;

// The answer to a join: the messages after since_seq that the room still holds.
struct join_replay {
  std::vector<fanout_ptr> messages;
  std::uint64_t first_available_seq = 0;  // 0 when the room holds nothing
  bool truncated = false;                 // part of the requested gap is gone
};

// What all shards share, immutable after start.
struct server_core {
  server_config config;
  std::vector<std::unique_ptr<shard>> shards;
  shard& owner_of(const std::string& room) const;
};

struct shard {
  shard(server_core& core, unsigned index);

  // Every session of this shard, for shutdown and the open-connections gauge.
  void adopt(std::shared_ptr<session> s);
  void release(const std::shared_ptr<session>& s);

  server_core& core;
  unsigned index;
  net::io_context io{1};
  // Shards other than the accepting one may have nothing queued yet; keep them running.
  net::executor_work_guard<net::io_context::executor_type> keep_running{io.get_executor()};
  shard_metrics metrics;

  std::unordered_map<std::string, owned_room> owned_rooms;
  std::unordered_map<std::string, std::vector<session*>> local_members;
  std::unordered_set<std::shared_ptr<session>> sessions;
  std::uint64_t next_session_id = 1;

  // --- owner side (called on this shard for rooms it owns) ---
  // Registers a member living on `member_shard`; returns what to replay.
  join_replay add_member(const std::string& room, unsigned member_shard, bool json, std::uint64_t since_seq);
  void remove_member(const std::string& room, unsigned member_shard, bool json);
  // Gives the message the room's next seq, serialises it once and stores it,
  // calls on_sequenced(message) (the sender's ack goes out first), then posts
  // it to every shard holding members of the room. One room lookup.
  template <class OnSequenced>
  void publish(const std::string& room_name, chat::ChatMessage message, OnSequenced&& on_sequenced) {
    owned_room& room = room_named(room_name);
    const fanout_ptr sequenced = sequence(room, std::move(message));
    on_sequenced(sequenced);
    for (std::size_t s = 0; s < core.shards.size(); ++s) {
      if (!room.members_per_shard[s]) continue;
      shard& target = *core.shards[s];
      net::post(target.io, [&target, sequenced] { target.deliver(sequenced); });
    }
  }

  // --- member side ---
  void deliver(const fanout_ptr& message);
  void attach(session* s, const std::string& room);
  void detach(session* s, const std::string& room);

  // Tell every session to close with going_away.
  void begin_shutdown();

 private:
  owned_room& room_named(const std::string& name);
  fanout_ptr sequence(owned_room& room, chat::ChatMessage message);
};

}  // namespace throng::server
