#pragma once
// Per-shard counters (one writer each), summed at scrape time.

#include <string>
#include <vector>

#include "throng/common/metrics.hpp"

namespace throng::server {

struct shard_metrics {
  local_counter connections_accepted;
  local_counter connections_open;      // gauge, set by the shard
  local_counter frames_in;
  local_counter messages_sequenced;    // messages this shard's rooms sequenced
  local_counter deliveries;            // frames queued to receivers
  local_counter malformed_frames;
  local_counter errors_sent;
  local_counter slow_consumers;
  local_counter bytes_in;
};

struct shard;
std::string render_metrics(const std::vector<std::unique_ptr<shard>>& shards);

}  // namespace throng::server
