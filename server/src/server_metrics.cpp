#include "server_metrics.hpp"

#include "shard.hpp"

namespace throng::server {

std::string render_metrics(const server_core& core) {
  const auto& shards = core.shards;
  struct item { const char* name; const char* help; metric_kind kind; local_counter shard_metrics::*field; };
  static const item items[] = {
      {"throng_server_connections_accepted_total", "WebSocket connections accepted", metric_kind::counter, &shard_metrics::connections_accepted},
      {"throng_server_connections_open", "WebSocket connections open", metric_kind::gauge, &shard_metrics::connections_open},
      {"throng_server_connections_refused_total", "upgrades refused at the connection cap", metric_kind::counter, &shard_metrics::connections_refused},
      {"throng_server_bytes_received_total", "bytes read from client connections, WebSocket framing included", metric_kind::counter, &shard_metrics::bytes_in},
      {"throng_server_bytes_sent_total", "bytes written to client connections, WebSocket framing included", metric_kind::counter, &shard_metrics::bytes_out},
      {"throng_server_socket_writes_total", "writes (sendmsg) to client connections: deliveries per write shows the batching", metric_kind::counter, &shard_metrics::socket_writes},
      {"throng_server_write_calls_total", "system calls those writes took: one per write, or one per flush of many connections with io_uring", metric_kind::counter, &shard_metrics::write_calls},
      {"throng_server_messages_total", "chat messages sequenced", metric_kind::counter, &shard_metrics::messages_sequenced},
      {"throng_server_deliveries_total", "messages queued to receivers", metric_kind::counter, &shard_metrics::deliveries},
      {"throng_server_acks_total", "acks sent", metric_kind::counter, &shard_metrics::acks},
      {"throng_server_presence_sent_total", "presence updates queued to receivers", metric_kind::counter, &shard_metrics::presence_sent},
      {"throng_server_presence_dropped_total", "presence updates skipped for busy receivers", metric_kind::counter, &shard_metrics::presence_dropped},
      {"throng_server_errors_sent_total", "error frames sent to clients", metric_kind::counter, &shard_metrics::errors_sent},
      {"throng_server_slow_consumers_total", "connections closed for not reading fast enough", metric_kind::counter, &shard_metrics::slow_consumers},
      {"throng_server_unavailable_total", "sends the store could not take", metric_kind::counter, &shard_metrics::unavailable},
      {"throng_server_acked_not_stored_total", "--ack accepted: messages acked on receipt that the store then failed to keep", metric_kind::counter, &shard_metrics::acked_not_stored},
  };
  std::vector<metric_value> values;
  for (const auto& it : items)
    for (const auto& s : shards)
      values.push_back({it.name, it.help, it.kind, static_cast<double>((s->metrics.*it.field).get()),
                        {{"shard", std::to_string(s->index)}}, {}});
  for (std::size_t k = 0; k < std::size(client_frame_kinds); ++k)
    for (const auto& s : shards)
      values.push_back({"throng_server_frames_received_total", "client frames received by type", metric_kind::counter,
                        static_cast<double>(s->metrics.frames_in[k].get()),
                        {{"shard", std::to_string(s->index)}, {"type", client_frame_kinds[k]}}, {}});

  struct stage { const char* name; local_duration_histogram shard_metrics::*field; };
  static const stage stages[] = {{"decode", &shard_metrics::decode},
                                 {"transform", &shard_metrics::transform},
                                 {"store", &shard_metrics::store},
                                 {"fanout", &shard_metrics::fanout},
                                 {"added", &shard_metrics::added}};
  for (const auto& st : stages) {
    metric_value v{"throng_server_stage_seconds",
                   "time per processing stage: decode (frame), transform (transform, expand, serialise), store (hand-off to "
                   "commit), fanout (sequenced to queued for every member of a shard), added (per delivery: the kernel's receipt of the "
                   "sender's frame to the bytes written to the member's socket, on one instance)",
                   metric_kind::histogram, 0, {{"stage", st.name}}, {}};
    for (const auto& s : shards) v.histograms.push_back(&(s->metrics.*st.field));
    values.push_back(std::move(v));
  }

  const auto f = core.store->figures();
  values.push_back({"throng_server_store_commits_total", "group commits", metric_kind::counter, static_cast<double>(f.commits), {}, {}});
  values.push_back({"throng_server_store_messages_committed_total", "messages committed", metric_kind::counter,
                    static_cast<double>(f.messages_committed), {}, {}});
  values.push_back({"throng_server_store_commit_failures_total", "group commits that failed", metric_kind::counter,
                    static_cast<double>(f.commit_failures), {}, {}});
  values.push_back({"throng_server_store_commit_seconds_total", "time spent committing (divide by commits for the mean)",
                    metric_kind::counter, static_cast<double>(f.commit_ns_total) * 1e-9, {}, {}});
  values.push_back({"throng_server_store_last_batch_messages", "messages in the latest group commit", metric_kind::gauge,
                    static_cast<double>(f.last_batch_size), {}, {}});
  values.push_back({"throng_server_store_pending_messages", "messages waiting for the writer", metric_kind::gauge,
                    static_cast<double>(f.pending), {}, {}});
  values.push_back({"throng_server_store_retention_deleted_total", "messages removed by retention", metric_kind::counter,
                    static_cast<double>(f.retention_deleted), {}, {}});
  values.push_back({"throng_server_store_partitions_dropped_total", "expired time partitions dropped by retention",
                    metric_kind::counter, static_cast<double>(f.partitions_dropped), {}, {}});
  if (core.bus) {
    const auto b = core.bus->figures();
    values.push_back({"throng_server_bus_connected", "1 when both connections to Redis are up", metric_kind::gauge,
                      b.connected ? 1.0 : 0.0, {}, {}});
    values.push_back({"throng_server_bus_published_total", "messages appended to room streams", metric_kind::counter,
                      static_cast<double>(b.published), {}, {}});
    values.push_back({"throng_server_bus_publish_failures_total", "messages Redis did not take (senders got UNAVAILABLE)",
                      metric_kind::counter, static_cast<double>(b.publish_failures), {}, {}});
    values.push_back({"throng_server_bus_publish_calls_total", "publish round trips (each carries a batch for one room)",
                      metric_kind::counter, static_cast<double>(b.round_trips), {}, {}});
    values.push_back({"throng_server_bus_received_total", "stream entries read for rooms with local members",
                      metric_kind::counter, static_cast<double>(b.received), {}, {}});
    values.push_back({"throng_server_bus_subscribed_rooms", "rooms whose streams this instance reads", metric_kind::gauge,
                      static_cast<double>(b.subscribed_rooms), {}, {}});
  }
  append_process_metrics(values);
  return prometheus_text(values);
}

}  // namespace throng::server
