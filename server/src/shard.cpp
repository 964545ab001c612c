#include "shard.hpp"

#include <algorithm>
#include <functional>

#include "session.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/frame_codec.hpp"
#include "throng/common/log.hpp"

namespace throng::server {
namespace {
// The in-memory history holds at least this many messages, so that short
// reconnect gaps are replayed without reading the store.
constexpr std::size_t min_history_kept = 64;
// Names listed in one presence update; the member count is always exact.
constexpr std::size_t max_presence_names = 100;

// Serialises `frame` once for the members of `form`.
void encode_for(fanout_message& out, delivery_form form, const chat::ServerFrame& frame) {
  out.encoded[static_cast<std::size_t>(form)] = std::make_shared<const std::string>(
      is_json(form) ? encode_frame(frame, wire_format::json) : frame.SerializeAsString());
}
// The body the server handles for a dup_factor send: `body` repeated `factor` times.
std::string repeated(const std::string& body, std::uint32_t factor) {
  std::string out;
  out.reserve(body.size() * std::max(factor, 1u));
  for (std::uint32_t i = 0; i < std::max(factor, 1u); ++i) out.append(body);
  return out;
}

// A message off the bus as it is stored and replayed: full body, no factor.
void expand(chat::ChatMessage& m) {
  if (m.dup_factor() > 1) m.set_body(repeated(m.body(), m.dup_factor()));
  m.clear_dup_factor();
}
}  // namespace

bool valid_room_name(const std::string& name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
  });
}

shard& server_core::owner_of(const std::string& room) const {
  return *shards[std::hash<std::string>{}(room) % shards.size()];
}

shard::shard(server_core& c, unsigned i) : core(c), index(i) {
  outbox.set_batch_delay(std::chrono::nanoseconds(static_cast<std::int64_t>(c.config.batch_delay_ms * 1e6)));
}

void shard::adopt(std::shared_ptr<session> s) {
  sessions.insert(std::move(s));
  metrics.connections_open.set(sessions.size());
}

void shard::release(const std::shared_ptr<session>& s) {
  if (sessions.erase(s)) core.connections.fetch_sub(1, std::memory_order_relaxed);
  metrics.connections_open.set(sessions.size());
}

owned_room& shard::room_named(const std::string& name) {
  auto [it, created] = owned_rooms.try_emplace(name);
  owned_room& room = it->second;
  if (created) {
    room.name = name;
    room.members_per_shard.assign(core.shards.size(), 0);
    room.history_depth = core.config.history_depth;
    // After an unclean stop with acks on receipt, even a room with nothing
    // committed may have had seqs acked: skip past them, as restore() does.
    room.next_seq = 1 + core.store->seq_gap_after_crash();
    if (auto preset = core.presets.find(name); preset != core.presets.end()) {
      room.transform = parse_transform_style(preset->second.transform).value_or(transform_style::none);
      if (preset->second.history_depth) room.history_depth = preset->second.history_depth;
    }
  }
  return room;
}

void shard::restore(stored_room stored) {
  owned_room& room = room_named(stored.name);
  room.next_seq = stored.last_seq + 1 + core.store->seq_gap_after_crash();
  for (auto& m : stored.recent) {
    auto f = std::make_shared<fanout_message>();
    *f->frame.mutable_message() = std::move(m);
    room.history.push_back(std::move(f));
  }
}

void shard::add_member(member_join join, std::function<void(chat::ServerFrame)> reply) {
  owned_room& room = room_named(join.room);
  if (core.bus && room.bus != bus_state::subscribed) {
    // The room's state comes from its stream first; the join waits for it.
    waiting_joins_[join.room].emplace_back(std::move(join), std::move(reply));
    if (room.bus == bus_state::unsubscribed) subscribe(room);
    return;
  }
  const std::uint64_t oldest_in_memory = room.history.empty() ? room.next_seq : room.history.front()->frame.message().seq();
  const bool gap_older_than_memory = join.since_seq > 0 && join.since_seq + 1 < oldest_in_memory;
  if (gap_older_than_memory && core.bus && core.memory_store) {
    // No store behind the bus: the room's stream holds the older part of the gap.
    const std::string name = join.room;  // join itself moves into the callback
    const std::uint64_t since = join.since_seq;
    core.bus->read_after(name, since, core.config.max_replay,
                         [this, join = std::move(join), reply = std::move(reply)](
                             std::optional<std::vector<bus_entry>> entries) mutable {
                           std::vector<chat::ChatMessage> older;
                           for (auto& e : entries.value_or(std::vector<bus_entry>{})) {
                             chat::ChatMessage m;
                             if (!m.ParseFromString(e.payload)) continue;
                             m.set_seq(e.seq);
                             expand(m);
                             older.push_back(std::move(m));
                           }
                           net::post(io, [this, join = std::move(join), older = std::move(older),
                                          reply = std::move(reply)]() mutable { finish_join(join, std::move(older), reply); });
                         });
    return;
  }
  if (!gap_older_than_memory || core.memory_store) {
    finish_join(join, {}, reply);
    return;
  }
  // Read the older part of the gap off the shard thread; register the member
  // only when the answer is back, so replay and live messages meet exactly.
  net::post(core.store_readers, [this, join = std::move(join), reply = std::move(reply)]() mutable {
    std::vector<chat::ChatMessage> older;
    try {
      older = core.store->read_after(join.room, join.since_seq, core.config.max_replay);
    } catch (const std::exception&) {
      // Served from memory below, marked truncated.
    }
    net::post(io, [this, join = std::move(join), older = std::move(older), reply = std::move(reply)]() mutable {
      finish_join(join, std::move(older), reply);
    });
  });
}

void shard::finish_join(const member_join& join, std::vector<chat::ChatMessage> from_store,
                        const std::function<void(chat::ServerFrame)>& reply) {
  owned_room& room = room_named(join.room);
  ++room.members_per_shard[join.shard];
  ++room.members_per_form[static_cast<std::size_t>(join.form)];
  if (room.presence.joined.size() < max_presence_names) room.presence.joined.push_back(join.user);
  if (!room.presence.dirty) presence_dirty_.push_back(&room);
  room.presence.dirty = true;

  chat::ServerFrame frame;
  auto* history = frame.mutable_history();
  history->set_room(join.room);
  auto& messages = *history->mutable_messages();
  std::uint64_t last = join.since_seq;
  if (!from_store.empty()) {
    // The store returns the newest max_replay messages: a larger gap is cut.
    if (from_store.front().seq() > join.since_seq + 1) history->set_truncated(true);
    last = from_store.back().seq();
    for (auto& m : from_store) *messages.Add() = std::move(m);
  }
  if (join.since_seq == 0) {
    const std::size_t skip = room.history.size() > room.history_depth ? room.history.size() - room.history_depth : 0;
    for (std::size_t i = skip; i < room.history.size(); ++i) *messages.Add() = room.history[i]->frame.message();
  } else {
    for (const auto& m : room.history) {
      const auto seq = m->frame.message().seq();
      if (seq <= last) continue;
      // A hole between what the store returned and memory: part of the gap is not served.
      if (seq > last + 1) history->set_truncated(true);
      *messages.Add() = m->frame.message();
      last = seq;
    }
    if (messages.empty() && join.since_seq + 1 < room.next_seq && !room.history.empty()) history->set_truncated(true);
  }
  const std::uint64_t oldest_in_memory = room.history.empty() ? 0 : room.history.front()->frame.message().seq();
  // The SQLite store keeps every message; the memory store only what is in memory.
  std::uint64_t first_available = core.memory_store ? oldest_in_memory : (room.next_seq > 1 ? 1 : 0);
  // Without a store, the bus's stream may reach further back than memory.
  if (core.bus && core.memory_store && !messages.empty()) first_available = std::min(first_available, messages.begin()->seq());
  history->set_first_available_seq(first_available);
  reply(std::move(frame));
}

void shard::remove_member(const std::string& name, unsigned member_shard, delivery_form form, const std::string& user) {
  auto it = owned_rooms.find(name);
  if (it == owned_rooms.end()) return;
  auto& room = it->second;
  auto& per_form = room.members_per_form[static_cast<std::size_t>(form)];
  if (room.members_per_shard[member_shard]) --room.members_per_shard[member_shard];
  if (per_form) --per_form;
  if (room.presence.left.size() < max_presence_names) room.presence.left.push_back(user);
  if (!room.presence.dirty) presence_dirty_.push_back(&room);
  room.presence.dirty = true;
  if (core.bus && room.bus == bus_state::subscribed && room.members() == 0) {
    // No local member left: stop reading the stream; a later join reloads its state.
    core.bus->unsubscribe(name);
    room.bus = bus_state::unsubscribed;
    room.history.clear();
  }
}

void shard::typing(const std::string& name, const std::string& user) {
  auto it = owned_rooms.find(name);
  if (it == owned_rooms.end()) return;
  auto& room = it->second;
  if (room.presence.typing.size() < max_presence_names) room.presence.typing.insert(user);
  if (!room.presence.dirty) presence_dirty_.push_back(&room);
  room.presence.dirty = true;
}

void shard::flush_presence() {
  for (owned_room* room : presence_dirty_) {
    auto& p = room->presence;
    p.dirty = false;
    if (room->members() == 0) {
      p = {};
      continue;
    }
    auto update = std::make_shared<fanout_message>();
    auto* presence = update->frame.mutable_presence();
    presence->set_room(room->name);
    for (auto& u : p.joined) presence->add_joined(std::move(u));
    for (auto& u : p.left) presence->add_left(std::move(u));
    for (const auto& u : p.typing) presence->add_typing(u);
    presence->set_members(room->members());
    p = {};
    encode_for(*update, delivery_form::binary, update->frame);
    if (room->has_json_members()) encode_for(*update, delivery_form::json, update->frame);
    fan_out(*room, update, true);
  }
  presence_dirty_.clear();
}

fanout_ptr shard::sequence(owned_room& room, chat::ChatMessage message, std::uint32_t dup_factor,
                           std::int64_t received_ns) {
  message.set_seq(room.next_seq++);
  message.set_server_ts_ns(wall_ns());
  metrics.messages_sequenced.add();
  return encode_fanout(room, std::move(message), dup_factor, false, received_ns);
}

fanout_ptr shard::encode_fanout(owned_room& room, chat::ChatMessage message, std::uint32_t dup_factor, bool transformed,
                                std::int64_t received_ns) {
  const auto started = mono_ns();
  // The compact form is the message as sent (body once, plus the factor); a
  // transformed body has none. Taken before the body grows.
  const bool compact = dup_factor > 1 && room.transform == transform_style::none && room.has_compact_members();
  chat::ServerFrame compact_frame;
  if (compact) {
    *compact_frame.mutable_message() = message;
    compact_frame.mutable_message()->set_dup_factor(dup_factor);
  }
  if (dup_factor > 1) message.set_body(repeated(message.body(), dup_factor));
  if (room.transform != transform_style::none && !transformed)
    message.set_body(apply_transform(room.transform, message.body(), core.config.transform_seed));

  // Serialise once per form in use; every receiving shard shares these buffers.
  auto fanout = std::make_shared<fanout_message>();
  fanout->received_mono_ns = received_ns;
  *fanout->frame.mutable_message() = std::move(message);
  encode_for(*fanout, delivery_form::binary, fanout->frame);
  if (room.has_json_members()) encode_for(*fanout, delivery_form::json, fanout->frame);
  for (auto form : {delivery_form::binary_compact, delivery_form::json_compact})
    if (compact && room.has_members_of(form)) encode_for(*fanout, form, compact_frame);
  fanout->sequenced_mono_ns = mono_ns();
  metrics.transform.observe(fanout->sequenced_mono_ns - started);
  return fanout;
}

void shard::publish(chat::ChatMessage message, std::uint32_t dup_factor, std::shared_ptr<session> sender,
                    std::uint64_t client_seq, std::int64_t received_ns) {
  owned_room& room = room_named(message.room());
  if (core.bus) {
    publish_on_bus(room, std::move(message), dup_factor, std::move(sender), client_seq);
    return;
  }
  accept({sequence(room, std::move(message), dup_factor, received_ns), std::move(sender), client_seq});
}

void shard::accept(pending_send p) {
  if (core.memory_store) {
    complete_one(p);
    return;
  }
  // --ack accepted: visible now, stored in the background; durable: after the commit.
  if (!core.config.ack_durable) complete_one(p);
  // Everything sequenced in this turn of the loop goes to the store in one hand-off.
  if (to_store_.empty()) net::post(io, [this] { hand_to_store(); });
  to_store_.push_back(std::move(p));
}

void shard::hand_to_store() {
  auto batch = std::make_shared<std::vector<pending_send>>(std::exchange(to_store_, {}));
  std::vector<fanout_ptr> messages;
  messages.reserve(batch->size());
  for (const auto& p : *batch) messages.push_back(p.message);
  const auto handed_at = mono_ns();
  const bool queued = core.store->append(std::move(messages), [this, batch, handed_at](bool ok) {
    net::post(io, [this, batch, handed_at, ok] {
      metrics.store.observe(mono_ns() - handed_at);
      complete(*batch, ok);
    });
  });
  if (!queued) complete(*batch, false);
}

void shard::complete(std::vector<pending_send>& batch, bool committed) {
  if (!core.config.ack_durable) {
    // Already acked and delivered: all that can be done is to say so.
    if (!committed) {
      metrics.acked_not_stored.add(batch.size());
      log_error("{} message(s) acked on receipt (--ack accepted) could not be stored", batch.size());
    }
    return;
  }
  if (committed) {
    for (auto& p : batch) complete_one(p);
    return;
  }
  // Not stored: not acked, not delivered. The seq stays unused; receivers see a gap.
  for (auto& p : batch) {
    const auto& m = p.message->frame.message();
    // With the bus, the room's stream had it before the store failed: members may have seen it.
    const char* why = core.bus ? "the message store could not take this message (see the server log); it was not acked, "
                                 "though members may have seen it; retry later"
                               : "the message store could not take this message (see the server log); it was not delivered, "
                                 "retry later";
    net::post(p.sender->home().io, [sender = p.sender, client_seq = p.client_seq, room = m.room(), why] {
      sender->on_send_failed(why, client_seq, room);
    });
  }
}

void shard::complete_one(pending_send& p) {
  // The ack is posted before the fan-out, so the sender sees it before its own copy
  // (with the bus, the fan-out comes from the stream, on every instance alike).
  shard& sender_home = p.sender->home();
  net::post(sender_home.io, [sender = std::move(p.sender), client_seq = p.client_seq, message = p.message] {
    sender->on_ack(client_seq, message->frame.message().seq(), message->frame.message().room());
  });
  if (core.bus) return;
  owned_room& room = room_named(p.message->frame.message().room());
  remember(room, p.message);
  fan_out(room, p.message, false);
}

void shard::remember(owned_room& room, fanout_ptr message) {
  room.history.push_back(std::move(message));
  while (room.history.size() > std::max(room.history_depth, min_history_kept)) room.history.pop_front();
}

// --- the Redis bus ---

void shard::subscribe(owned_room& room) {
  room.bus = bus_state::subscribing;
  core.bus->subscribe(room.name, std::max(room.history_depth, min_history_kept),
                      [this, name = room.name](std::optional<bus_room_snapshot> snapshot) {
                        net::post(io, [this, name, snapshot = std::move(snapshot)]() mutable {
                          on_subscribed(name, std::move(snapshot));
                        });
                      });
}

void shard::on_subscribed(const std::string& name, std::optional<bus_room_snapshot> snapshot) {
  owned_room& room = room_named(name);
  if (!snapshot) {
    room.bus = bus_state::unsubscribed;
    early_entries_.erase(name);
    for (auto& [join, reply] : take_waiting_joins(name)) {
      chat::ServerFrame frame;
      auto* error = frame.mutable_error();
      error->set_code(chat::UNAVAILABLE);
      error->set_room(name);
      error->set_message("the room bus (Redis) is unreachable, so this room cannot be joined on this server now; retry");
      reply(std::move(frame));
    }
    return;
  }
  std::vector<chat::ChatMessage> recent;
  for (auto& entry : snapshot->recent) {
    chat::ChatMessage m;
    if (!m.ParseFromString(entry.payload)) continue;
    m.set_seq(entry.seq);
    recent.push_back(std::move(m));
  }
  if (snapshot->last_seq == 0 && !core.memory_store) {
    // An empty stream (new room, or one Redis lost): the store knows where the room's seq stands.
    net::post(core.store_readers, [this, name, keep = std::max(room.history_depth, min_history_kept)] {
      std::vector<chat::ChatMessage> newest;
      try {
        newest = core.store->read_after(name, 0, keep);
      } catch (const std::exception& e) {
        log_error("room {}: cannot read its history from the store: {}", name, e.what());
      }
      net::post(io, [this, name, newest = std::move(newest)]() mutable { finish_subscribe(room_named(name), std::move(newest)); });
    });
    return;
  }
  finish_subscribe(room, std::move(recent));
}

void shard::finish_subscribe(owned_room& room, std::vector<chat::ChatMessage> recent) {
  room.history.clear();
  for (auto& m : recent) {
    expand(m);
    auto f = std::make_shared<fanout_message>();
    *f->frame.mutable_message() = std::move(m);
    remember(room, std::move(f));
  }
  room.next_seq = std::max(room.next_seq, (room.history.empty() ? 0 : room.history.back()->frame.message().seq()) + 1);
  room.bus = bus_state::subscribed;
  if (auto early = early_entries_.extract(room.name))
    for (const auto& [seq, payload] : early.mapped()) on_bus_message(room.name, seq, payload);
  for (auto& [join, reply] : take_waiting_joins(room.name)) add_member(std::move(join), std::move(reply));
}

std::vector<std::pair<member_join, shard::join_reply>> shard::take_waiting_joins(const std::string& name) {
  auto node = waiting_joins_.extract(name);
  return node ? std::move(node.mapped()) : std::vector<std::pair<member_join, join_reply>>{};
}

void shard::on_bus_message(const std::string& name, std::uint64_t seq, const std::string& payload) {
  auto it = owned_rooms.find(name);
  if (it == owned_rooms.end()) return;
  owned_room& room = it->second;
  if (room.bus == bus_state::subscribing) {
    early_entries_[name].emplace_back(seq, payload);
    return;
  }
  // Read for an earlier subscription, or already delivered: never twice.
  if (room.bus != bus_state::subscribed || seq < room.next_seq) return;
  chat::ChatMessage message;
  if (!message.ParseFromString(payload)) {
    log_error("room {}: entry {} on the bus is not a message; skipped", name, seq);
    return;
  }
  message.set_seq(seq);
  const std::uint32_t dup_factor = message.dup_factor();
  message.clear_dup_factor();
  room.next_seq = seq + 1;
  // The publishing instance transformed the body already (once, before storage).
  auto fanout = encode_fanout(room, std::move(message), dup_factor, true);
  remember(room, fanout);
  fan_out(room, fanout, false);
}

void shard::publish_on_bus(owned_room& room, chat::ChatMessage message, std::uint32_t dup_factor,
                           std::shared_ptr<session> sender, std::uint64_t client_seq) {
  const auto started = mono_ns();
  message.set_server_ts_ns(wall_ns());
  if (room.transform != transform_style::none) {
    // Transformed here, once; the stream carries the result.
    message.set_body(apply_transform(room.transform, repeated(message.body(), dup_factor), core.config.transform_seed));
  } else if (dup_factor > 1) {
    message.set_dup_factor(dup_factor);  // the stream carries the compact form
  }
  metrics.transform.observe(mono_ns() - started);
  std::string payload = message.SerializeAsString();
  core.bus->publish(room.name, std::move(payload), room.next_seq - 1,
                    [this, message = std::move(message), sender = std::move(sender),
                     client_seq](std::optional<std::uint64_t> seq) mutable {
                      net::post(io, [this, message = std::move(message), sender = std::move(sender), client_seq,
                                     seq]() mutable { on_published(std::move(message), std::move(sender), client_seq, seq); });
                    });
}

void shard::on_published(chat::ChatMessage message, std::shared_ptr<session> sender, std::uint64_t client_seq,
                         std::optional<std::uint64_t> seq) {
  if (!seq) {
    metrics.unavailable.add();
    net::post(sender->home().io, [sender, client_seq, room = message.room()] {
      sender->on_send_failed("the room bus (Redis) is unreachable; the message was not sent, retry later", client_seq, room);
    });
    return;
  }
  message.set_seq(*seq);
  expand(message);
  metrics.messages_sequenced.add();
  auto stored = std::make_shared<fanout_message>();
  *stored->frame.mutable_message() = std::move(message);
  accept({std::move(stored), std::move(sender), client_seq});
}

void shard::fan_out(owned_room& room, const fanout_ptr& message, bool best_effort) {
  for (std::size_t s = 0; s < core.shards.size(); ++s) {
    if (!room.members_per_shard[s]) continue;
    shard& target = *core.shards[s];
    net::post(target.io, [&target, message, room = &room.name, best_effort] {
      target.deliver(message, *room, best_effort);
    });
  }
}

void shard::deliver(const fanout_ptr& message, const std::string& room, bool best_effort) {
  auto it = local_members.find(room);
  if (it == local_members.end()) return;
  // session::deliver never detaches synchronously, so the list is stable here.
  local_fanout local(*message);
  for (session* s : it->second) s->deliver(local, best_effort);
  if (!best_effort) metrics.fanout.observe(mono_ns() - message->sequenced_mono_ns);
}

void shard::attach(session* s, const std::string& room) { local_members[room].push_back(s); }

void shard::detach(session* s, const std::string& room) {
  auto it = local_members.find(room);
  if (it == local_members.end()) return;
  auto& members = it->second;
  members.erase(std::remove(members.begin(), members.end(), s), members.end());
  if (members.empty()) local_members.erase(it);
}

void shard::begin_shutdown() {
  requests.close_all();
  for (const auto& s : sessions) s->close(websocket::close_code::going_away, "server shutting down");
}

void shard::sweep_connections() {
  const auto now = mono_ns();
  requests.sweep(now);
  // A session may end (and leave `sessions`) during its sweep.
  std::vector<std::shared_ptr<session>> all(sessions.begin(), sessions.end());
  for (const auto& s : all) s->sweep(now);
}

}  // namespace throng::server
