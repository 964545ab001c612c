#pragma once
// Per-shard counters and stage histograms (one writer each), summed at scrape time.

#include <memory>
#include <string>
#include <vector>

#include "throng/common/metrics.hpp"

namespace throng::server {

// Client frame kinds, indexed like chat::ClientFrame's oneof (0 = undecodable).
inline constexpr const char* client_frame_kinds[] = {"malformed", "hello", "join", "leave", "send", "ping", "typing"};

struct shard_metrics {
  local_counter connections_accepted;
  local_counter connections_open;      // gauge, set by the shard
  local_counter connections_refused;   // over the connection cap
  local_counter frames_in[std::size(client_frame_kinds)];
  local_counter bytes_in;
  local_counter bytes_out;
  local_counter socket_writes;        // writes (sendmsg) to clients: deliveries per write shows the batching
  local_counter write_calls;          // system calls they took: fewer than writes with io_uring
  local_counter messages_sequenced;    // messages this shard's rooms sequenced
  local_counter deliveries;            // messages queued to receivers
  local_counter acks;
  local_counter presence_sent;
  local_counter presence_dropped;      // skipped for a busy receiver
  local_counter errors_sent;
  local_counter slow_consumers;
  local_counter unavailable;           // sends refused or failed by the store
  local_counter acked_not_stored;      // --ack accepted: acked, then the store failed
  local_duration_histogram decode;     // frame decode
  local_duration_histogram transform;  // transform + expansion + serialisation on the owner
  local_duration_histogram store;      // handed to the store -> committed
  local_duration_histogram fanout;     // sequenced -> queued for every member on a shard
  local_duration_histogram added;      // a message read from its sender -> written to a member's socket (per delivery)
};

struct server_core;
std::string render_metrics(const server_core& core);

}  // namespace throng::server
