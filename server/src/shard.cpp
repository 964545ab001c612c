#include "shard.hpp"

#include <algorithm>
#include <functional>

#include "session.hpp"
#include "throng/common/clock.hpp"
#include "throng/common/frame_codec.hpp"

namespace throng::server {

bool valid_room_name(const std::string& name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
  });
}

shard& server_core::owner_of(const std::string& room) const {
  return *shards[std::hash<std::string>{}(room) % shards.size()];
}

shard::shard(server_core& c, unsigned i) : core(c), index(i) {}

void shard::adopt(std::shared_ptr<session> s) {
  sessions.insert(std::move(s));
  metrics.connections_open.set(sessions.size());
}

void shard::release(const std::shared_ptr<session>& s) {
  sessions.erase(s);
  metrics.connections_open.set(sessions.size());
}

owned_room& shard::room_named(const std::string& name) {
  auto [it, created] = owned_rooms.try_emplace(name);
  if (created) {
    it->second.name = name;
    it->second.members_per_shard.assign(core.shards.size(), 0);
    it->second.json_members_per_shard.assign(core.shards.size(), 0);
  }
  return it->second;
}

join_replay shard::add_member(const std::string& name, unsigned member_shard, bool json, std::uint64_t since_seq) {
  owned_room& room = room_named(name);
  ++room.members_per_shard[member_shard];
  if (json) ++room.json_members_per_shard[member_shard];
  join_replay replay;
  for (const auto& m : room.history)
    if (m->frame.message().seq() > since_seq) replay.messages.push_back(m);
  const std::uint64_t oldest = room.history.empty() ? room.next_seq : room.history.front()->frame.message().seq();
  if (!room.history.empty()) replay.first_available_seq = oldest;
  // A reconnecting client (since_seq > 0) must learn when the gap it asked for is not all there.
  replay.truncated = since_seq > 0 && since_seq + 1 < oldest;
  return replay;
}

void shard::remove_member(const std::string& name, unsigned member_shard, bool json) {
  auto it = owned_rooms.find(name);
  if (it == owned_rooms.end()) return;
  auto& room = it->second;
  if (room.members_per_shard[member_shard]) --room.members_per_shard[member_shard];
  if (json && room.json_members_per_shard[member_shard]) --room.json_members_per_shard[member_shard];
}

fanout_ptr shard::sequence(owned_room& room, chat::ChatMessage message) {
  message.set_seq(room.next_seq++);
  message.set_server_ts_ns(wall_ns());

  // Serialise once here; every receiving shard shares these buffers.
  auto fanout = std::make_shared<fanout_message>();
  *fanout->frame.mutable_message() = std::move(message);
  fanout->binary = std::make_shared<const std::string>(fanout->frame.SerializeAsString());
  if (room.has_json_members())
    fanout->json = std::make_shared<const std::string>(encode_frame(fanout->frame, wire_format::json));
  fanout_ptr shared = std::move(fanout);

  room.history.push_back(shared);
  while (room.history.size() > core.config.history_depth) room.history.pop_front();
  metrics.messages_sequenced.add();
  return shared;
}

void shard::deliver(const fanout_ptr& message) {
  auto it = local_members.find(message->frame.message().room());
  if (it == local_members.end()) return;
  // session::deliver never detaches synchronously, so the list is stable here.
  for (session* s : it->second) s->deliver(message);
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
  for (const auto& s : sessions) s->close(websocket::close_code::going_away, "server shutting down");
}

std::string render_metrics(const std::vector<std::unique_ptr<shard>>& shards) {
  struct item { const char* name; const char* help; metric_kind kind; local_counter shard_metrics::*field; };
  static const item items[] = {
      {"throng_server_connections_accepted_total", "WebSocket connections accepted", metric_kind::counter, &shard_metrics::connections_accepted},
      {"throng_server_connections_open", "WebSocket connections open", metric_kind::gauge, &shard_metrics::connections_open},
      {"throng_server_frames_received_total", "client frames received", metric_kind::counter, &shard_metrics::frames_in},
      {"throng_server_bytes_received_total", "client payload bytes received", metric_kind::counter, &shard_metrics::bytes_in},
      {"throng_server_messages_total", "chat messages sequenced", metric_kind::counter, &shard_metrics::messages_sequenced},
      {"throng_server_deliveries_total", "messages queued to receivers", metric_kind::counter, &shard_metrics::deliveries},
      {"throng_server_malformed_frames_total", "frames that did not decode", metric_kind::counter, &shard_metrics::malformed_frames},
      {"throng_server_errors_sent_total", "error frames sent to clients", metric_kind::counter, &shard_metrics::errors_sent},
      {"throng_server_slow_consumers_total", "connections closed for not reading fast enough", metric_kind::counter, &shard_metrics::slow_consumers},
  };
  std::vector<metric_value> values;
  for (const auto& it : items) {
    for (const auto& s : shards)
      values.push_back({it.name, it.help, it.kind, static_cast<double>((s->metrics.*it.field).get()),
                        {{"shard", std::to_string(s->index)}}});
  }
  return prometheus_text(values);
}

}  // namespace throng::server
