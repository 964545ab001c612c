#pragma once
// One shard: an io_context on its own thread, its sessions, the rooms it owns
// and, per room, its local members. Everything here is touched only from the
// shard's thread; other shards reach it by posting.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bus/redis_bus.hpp"
#include "room.hpp"
#include "server_metrics.hpp"
#include "store/message_store.hpp"
#include "throng/common/net.hpp"
#include "throng/server/server.hpp"
#include "request_reader.hpp"
#include "ws_connection.hpp"

namespace throng::server {

class session;
struct shard;

// A member asking to join, as the owner sees it.
struct member_join {
  std::string room;
  unsigned shard = 0;
  delivery_form form = delivery_form::binary;
  std::string user;
  std::uint64_t since_seq = 0;
};

// A send waiting for its seq (and, with durable acks, its commit).
struct pending_send {
  fanout_ptr message;
  std::shared_ptr<session> sender;
  std::uint64_t client_seq = 0;
};

// What all shards share; fixed once the server runs (the counters aside).
struct server_core {
  server_config config;
  std::vector<std::unique_ptr<shard>> shards;
  std::unique_ptr<message_store> store;
  bool memory_store = false;
  std::unique_ptr<redis_bus> bus;        // null: rooms are sequenced here (one instance)
  net::thread_pool store_readers{1};     // since_seq replays older than memory
  std::unordered_map<std::string, room_preset> presets;
  std::string token_secret;
  std::size_t connection_cap = 0;
  std::atomic<std::size_t> connections{0};

  shard& owner_of(const std::string& room) const;
};

struct shard {
  shard(server_core& core, unsigned index);

  void adopt(std::shared_ptr<session> s);
  void release(const std::shared_ptr<session>& s);

  server_core& core;
  unsigned index;
  net::io_context io{1};
  // Shards may have nothing queued yet; keep them running.
  net::executor_work_guard<net::io_context::executor_type> keep_running{io.get_executor()};
  shard_metrics metrics;
  ws_outbox outbox{io, metrics};  // corks the writes of this shard's connections
  request_reader requests{outbox};  // new connections until their request is read

  std::unordered_map<std::string, owned_room> owned_rooms;
  std::unordered_map<std::string, std::vector<session*>> local_members;
  std::unordered_set<std::shared_ptr<session>> sessions;
  std::uint64_t next_session_id = 1;

  // --- owner side (called on this shard for rooms it owns) ---
  // Before the threads start: a room found in the store.
  void restore(stored_room stored);
  // Registers a member and calls reply(history frame) on this thread, at
  // once or after reading an older gap from the store.
  void add_member(member_join join, std::function<void(chat::ServerFrame)> reply);
  void remove_member(const std::string& room, unsigned member_shard, delivery_form form, const std::string& user);
  void typing(const std::string& room, const std::string& user);
  // Transforms, sequences and serialises the message once, has it stored,
  // then acks the sender and fans it out (after the commit with durable acks).
  // `received_ns` (mono) is when the kernel took in the sender's frame, for the latency the server adds.
  void publish(chat::ChatMessage message, std::uint32_t dup_factor, std::shared_ptr<session> sender,
               std::uint64_t client_seq, std::int64_t received_ns);
  // Sends one presence update per changed room; runs every presence interval.
  void flush_presence();
  // With the bus: an entry of the room's stream, in seq order.
  void on_bus_message(const std::string& room, std::uint64_t seq, const std::string& payload);

  // --- member side ---
  void deliver(const fanout_ptr& message, const std::string& room, bool best_effort);
  void attach(session* s, const std::string& room);
  void detach(session* s, const std::string& room);

  void begin_shutdown();
  // Closes idle connections and drops those that never answered a close.
  void sweep_connections();

 private:
  using join_reply = std::function<void(chat::ServerFrame)>;

  owned_room& room_named(const std::string& name);
  fanout_ptr sequence(owned_room& room, chat::ChatMessage message, std::uint32_t dup_factor, std::int64_t received_ns = 0);
  // Expands the body (unless compact forms are built), transforms it unless
  // `transformed`, and serialises it once per delivery form in use.
  fanout_ptr encode_fanout(owned_room& room, chat::ChatMessage message, std::uint32_t dup_factor, bool transformed,
                           std::int64_t received_ns = 0);
  // Takes a sequenced send: acks it (at once or after the commit) and has it stored.
  void accept(pending_send p);
  // --- with the bus ---
  void subscribe(owned_room& room);
  void on_subscribed(const std::string& name, std::optional<bus_room_snapshot> snapshot);
  void finish_subscribe(owned_room& room, std::vector<chat::ChatMessage> recent);
  std::vector<std::pair<member_join, join_reply>> take_waiting_joins(const std::string& name);
  void publish_on_bus(owned_room& room, chat::ChatMessage message, std::uint32_t dup_factor,
                      std::shared_ptr<session> sender, std::uint64_t client_seq);
  void on_published(chat::ChatMessage message, std::shared_ptr<session> sender, std::uint64_t client_seq,
                    std::optional<std::uint64_t> seq);

  void finish_join(const member_join& join, std::vector<chat::ChatMessage> from_store,
                   const std::function<void(chat::ServerFrame)>& reply);
  void hand_to_store();
  // After the store's answer: with durable acks, ack and fan out (or answer
  // UNAVAILABLE); with acks on receipt, only count what could not be stored.
  void complete(std::vector<pending_send>& batch, bool committed);
  void complete_one(pending_send& p);
  void remember(owned_room& room, fanout_ptr message);  // into the in-memory history
  void fan_out(owned_room& room, const fanout_ptr& message, bool best_effort);

  std::vector<pending_send> to_store_;  // sequenced this turn, not yet handed to the store
  std::vector<owned_room*> presence_dirty_;
  std::unordered_map<std::string, std::vector<std::pair<member_join, join_reply>>> waiting_joins_;  // for a subscription
  // Stream entries that arrive while a subscription still reads the store: applied once it is done.
  std::unordered_map<std::string, std::vector<std::pair<std::uint64_t, std::string>>> early_entries_;
};

}  // namespace throng::server
